package dashboard

import (
	"net/http"
	"net/url"
)

// apiMessages are the API page's strings: key → {French, English}.
var apiMessages = map[string][2]string{
	"nav_api":        {"Accès API", "API access"},
	"api_intro":      {"Un jeton personnel donne à Excel, Power BI, R ou Python l'accès en lecture aux données que vous voyez ici, avec votre rôle et vos postes. Envoyez-le comme jeton Bearer, ou comme mot de passe (utilisateur : votre nom) dans le connecteur OData.", "A personal token gives Excel, Power BI, R or Python read access to the data you see here, with your role and posts. Send it as a Bearer token, or as the password (user name: yours) in the OData connector."},
	"api_tokens":     {"Jetons actifs", "Active tokens"},
	"api_create":     {"Créer un jeton personnel", "Create a personal token"},
	"api_revoke":     {"Révoquer tous mes jetons", "Revoke all my tokens"},
	"api_once":       {"Votre nouveau jeton (affiché une seule fois, conservez-le comme un mot de passe) :", "Your new token (shown once; keep it like a password):"},
	"api_revoked":    {"Jetons révoqués :", "Tokens revoked:"},
	"api_feeds":      {"Flux OData (Excel : Données › Obtenir des données › Flux OData ; Power BI : Flux OData)", "OData feeds (Excel: Data › Get Data › OData Feed; Power BI: OData feed)"},
	"api_tables":     {"Tables en CSV ou JSON pour les scripts (paramètres since et limit)", "Tables as CSV or JSON for scripts (since and limit parameters)"},
	"audit_api_note": {"Chaque lecture par l'API est inscrite au journal d'audit.", "Every read through the API is recorded in the audit log."},
}

// apiPageData is the API page's content.
type apiPageData struct {
	Tokens  int
	Secret  string // a token just created, shown once
	Revoked int64
	Revoke  bool
	Feeds   []apiFeed
}

type apiFeed struct {
	Form  string
	OData string
	Data  string
}

// apiAccess shows the user's personal API tokens and the feed URLs.
func (d *Dashboard) apiAccess(w http.ResponseWriter, r *http.Request, s *session) error {
	return d.renderAPIPage(w, r, s, &apiPageData{})
}

func (d *Dashboard) renderAPIPage(w http.ResponseWriter, r *http.Request, s *session, data *apiPageData) error {
	ctx := r.Context()
	n, err := d.users.APITokens(ctx, s.user.Name)
	if err != nil {
		return err
	}
	data.Tokens = n
	all, err := d.store.Forms(ctx)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, pf := range all {
		if seen[pf.FormID] {
			continue
		}
		seen[pf.FormID] = true
		base := baseURL(r)
		data.Feeds = append(data.Feeds, apiFeed{Form: pf.FormID,
			OData: base + ODataPrefix + url.PathEscape(pf.FormID) + ".svc",
			Data:  base + DataPrefix + url.PathEscape(pf.FormID) + "/" + url.PathEscape(pf.FormID) + ".csv?since=0"})
	}
	v := d.view(w, r, s, "api")
	v.Data = data
	// A new token is on this page only: never cached, never logged.
	d.render(w, http.StatusOK, "api", v)
	return nil
}

// apiTokenCreate creates a personal API token for the signed-in user.
func (d *Dashboard) apiTokenCreate(w http.ResponseWriter, r *http.Request, s *session) error {
	tok, err := d.users.NewAPIToken(r.Context(), s.user.Name)
	if err != nil {
		return err
	}
	d.audit(r.Context(), s.user.Name, AuditTokenCreate, "api:"+s.user.Name, "")
	return d.renderAPIPage(w, r, s, &apiPageData{Secret: tok})
}

// apiTokenRevoke deletes the signed-in user's API tokens.
func (d *Dashboard) apiTokenRevoke(w http.ResponseWriter, r *http.Request, s *session) error {
	n, err := d.users.RevokeAPITokens(r.Context(), s.user.Name)
	if err != nil {
		return err
	}
	d.audit(r.Context(), s.user.Name, AuditTokenRevoke, "api:"+s.user.Name, "")
	return d.renderAPIPage(w, r, s, &apiPageData{Revoked: n, Revoke: true})
}
