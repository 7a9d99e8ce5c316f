package report

import "strconv"

// methodology is the fixed note every output carries (coverage,
// non-probability selection, weights, bases), in lang.
func methodology(r *Report, lang string) []string {
	fr := lang != "en"
	pick := func(f, e string) string {
		if fr {
			return f
		}
		return e
	}
	if r.Flow {
		return []string{pick(
			"Registre de suivi des flux (méthode DTM de l'OIM) : arrivées observées et comptées à chaque poste pendant les heures couvertes, par sexe, âge (18 ans) et groupe de nationalité. Les arrivées hors des heures couvertes ne sont pas comptées.",
			"Flow monitoring registry (IOM DTM method): arrivals observed and counted at each post during the hours covered, by sex, age (18 years) and nationality group. Arrivals outside the hours covered are not counted.")}
	}
	out := []string{
		pick("Population : personnes abordées aux postes et points de suivi des flux, interrogées avec leur consentement ; sont comptées celles qui se déclarent de nationalité malienne et ayant vécu au moins 3 mois de suite hors du Mali (recommandations de l'ONU, 1998 ; cadre conceptuel de 2021). Le statut migratoire distingue les migrants de retour de long terme (12 mois ou plus dans le dernier pays) et de court terme (3 à 11 mois) parmi ceux qui comptent rester au moins un an.",
			"Population: people approached at the posts and flow monitoring points and interviewed with their consent; those counted say they are Malian citizens and lived at least 3 months in a row outside Mali (UN recommendations, 1998; 2021 conceptual framework). Migration status separates long-term returning migrants (12 months or more in the last country) from short-term ones (3 to 11 months) among those intending to stay at least a year."),
		pick("Sélection non probabiliste : les personnes sont choisies aux postes et aux heures couverts selon la règle de sélection enregistrée avec chaque entretien (une arrivée adulte sur k). Les résultats décrivent les personnes interrogées et indiquent des tendances ; ils ne sont pas représentatifs de l'ensemble des migrants de retour.",
			"Non-probability selection: people are chosen at the posts and hours covered by the selection rule recorded with each interview (every k-th adult arrival). The results describe the people interviewed and indicate trends; they are not representative of all returning migrants."),
		pick("Bases des pourcentages : « non concerné » et « non renseigné » sont hors base et comptés à part ; « ne sait pas » et « refus » sont montrés à part et hors base.",
			"Percentage bases: \"not applicable\" and \"not stated\" are outside the base and counted apart; \"don't know\" and \"refused\" are shown apart and outside the base."),
	}
	if r.Weighted {
		out = append(out, pick(
			"Pondération : chaque entretien reçoit le poids poste × jour × sexe = arrivées comptées (formulaire flow_count) ÷ entretiens réalisés ; les chiffres pondérés [entre crochets] estiment les arrivées des postes, jours et heures couverts seulement, et les entretiens sans comptage n'ont pas de poids.",
			"Weights: each interview gets the post × day × sex weight = arrivals counted (form flow_count) ÷ interviews completed; the weighted figures [in brackets] estimate the arrivals of the posts, days and hours covered only, and interviews without a count get no weight."))
	} else {
		out = append(out, pick("Non pondéré : aucun comptage journalier des arrivées (formulaire flow_count) n'a été fourni.",
			"Unweighted: no daily count of arrivals (form flow_count) was available."))
	}
	if r.Published {
		out = append(out, pick(
			"Confidentialité : effectifs de 1 à "+strconv.Itoa(r.SmallCell-1)+" supprimés (x) avec suppression complémentaire ; pourcentages calculés sur moins de "+strconv.Itoa(r.MinBase)+" cas supprimés (–) ; pas de tableau croisé détaillé ni de lien vers les entretiens.",
			"Confidentiality: counts from 1 to "+strconv.Itoa(r.SmallCell-1)+" suppressed (x) with complementary suppression; percentages on fewer than "+strconv.Itoa(r.MinBase)+" cases suppressed (–); no detailed cross-tabulation nor links to interviews."))
	} else {
		out = append(out, pick("Usage interne : effectifs de 1 à "+strconv.Itoa(r.SmallCell-1)+" signalés (*), chaque nombre renvoie aux entretiens qu'il compte ; ne pas diffuser (utiliser --publish).",
			"Internal use: counts from 1 to "+strconv.Itoa(r.SmallCell-1)+" flagged (*), each number links to the interviews it counts; not for circulation (use --publish)."))
	}
	return out
}
