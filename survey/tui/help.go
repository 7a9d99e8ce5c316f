package tui

import (
	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
)

// help lists every key of the screen it was opened from.
type help struct {
	a    *App
	of   screen
	text *tview.TextView
}

func newHelp(a *App, of screen) *help {
	h := &help{a: a, of: of}
	var bs []binding
	if of != nil {
		bs = of.bindings()
	}
	all := append(a.global(), bs...)
	if a.tr("en", "fr") == "fr" {
		for i := range all {
			if fr, ok := descFR[all[i].desc]; ok {
				all[i].desc = fr
			}
		}
	}
	h.text = tview.NewTextView().SetDynamicColors(true).SetScrollable(true).
		SetText("\n" + helpText(all))
	h.text.SetBorder(true).SetTitle(a.tr(" Keys ", " Touches "))
	return h
}

func (h *help) root() tview.Primitive  { return h.text }
func (h *help) focus() tview.Primitive { return h.text }
func (h *help) title() string {
	if h.of != nil {
		return h.of.title() + " · help"
	}
	return "Help"
}

func (h *help) bindings() []binding {
	return []binding{{keys: []key{k(tcell.KeyEscape), k(tcell.KeyF1), k(tcell.KeyEnter)}, label: "Back", desc: "close the help", action: func() error {
		h.a.pop()
		return nil
	}}}
}

// descFR is the French of the help screen's descriptions, which the
// bindings write in English: F1 follows the interview's language.
var descFR = map[string]string{
	"add an instance of the repeat": "ajouter une occurrence de la répétition",
	"auto-advance: a choice made with one key goes on to the next question (on/off)": "avance automatique : un choix fait d'une touche passe à la question suivante (oui/non)",
	"back to the home screen": "retour à l'accueil",
	"back to the question":    "retour à la question",
	"back":                    "retour",
	"colours: dark, light for sunlight, high contrast (remembered)":  "couleurs : sombre, claire pour le soleil, contraste élevé (gardées)",
	"write a note on this question, kept with the interview":         "écrire une note sur cette question, gardée avec l'entretien",
	"keep the note with the interview":                               "garder la note avec l'entretien",
	"back without changing the note":                                 "retour sans changer la note",
	"close the help":                                                 "fermer l'aide",
	"delete the selected draft (asked twice)":                        "supprimer le brouillon choisi (demandé deux fois)",
	"drafts: resume one":                                             "brouillons : en reprendre un",
	"finalize and lock the interview (press twice)":                  "finaliser et verrouiller l'entretien (deux fois)",
	"finalized and sent interviews (read-only)":                      "entretiens finalisés et envoyés (lecture seule)",
	"go to the first unanswered required question":                   "aller à la première réponse obligatoire manquante",
	"go to the previous question":                                    "aller à la question précédente",
	"go to the selected question":                                    "aller à la question choisie",
	"interviews the supervisor rejected, with the comment":           "entretiens rejetés par le superviseur, avec son commentaire",
	"jump to any question":                                           "aller à n'importe quelle question",
	"next field of a group":                                          "champ suivant d'un groupe",
	"next field, then sign in":                                       "champ suivant, puis connexion",
	"previous field of a group":                                      "champ précédent d'un groupe",
	"quit Sira (drafts are saved)":                                   "quitter Sira (les brouillons sont gardés)",
	"quit Sira (press twice; the answer being typed is saved first)": "quitter Sira (deux fois ; la réponse en cours est d'abord enregistrée)",
	"quit Sira": "quitter Sira",
	"remove this instance of the repeat (press twice)":                   "supprimer cette occurrence de la répétition (deux fois)",
	"resume the draft changed last":                                      "reprendre le dernier brouillon modifié",
	"review every answer and finalize":                                   "revoir toutes les réponses et finaliser",
	"save and go back home (the draft can be resumed)":                   "enregistrer et revenir à l'accueil (le brouillon se reprend)",
	"save the answer and go to the next field, or the next question":     "enregistrer et aller au champ suivant, ou à la question suivante",
	"save the page and go to the next question":                          "enregistrer la page et aller à la question suivante",
	"send the finalized interviews to the server and receive rejections": "envoyer les entretiens finalisés au serveur et recevoir les rejets",
	"show every key of this screen":                                      "montrer toutes les touches de cet écran",
	"start a new interview on the selected form":                         "commencer un entretien sur le formulaire choisi",
	"switch between id and PIN":                                          "passer de l'identifiant au code PIN",
	"switch the language (FR/EN)":                                        "changer de langue (FR/EN)",
	"resume the selected draft where it was left":                        "reprendre le brouillon choisi là où il a été laissé",
	"reopen the selected interview as a draft to correct it":             "rouvrir l'entretien choisi en brouillon pour le corriger",
	"open the selected interview read-only":                              "ouvrir l'entretien choisi en lecture seule",
}
