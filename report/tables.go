package report

import "sira/forms"

// tableSpec describes a table: rows by one dimension, columns by another,
// or (cols) columns that are several dimensions sharing one code list.
// A table whose dimensions the form lacks is left out (an earlier version
// of the form).
type tableSpec struct {
	key       string
	objective int
	title     forms.Text
	row, col  string
	cols      []string
	where     Filter
	universe  forms.Text // who is counted, beyond the report's universe
}

var (
	allReturnees = tx("Migrants de retour interrogés (consentement donné, éligibles)", "Returnees interviewed (consent given, eligible)")
	certHolders  = tx("Migrants de retour ayant obtenu un diplôme ou certificat à l'étranger", "Returnees who obtained a diploma or certificate abroad")
)

// The value "yes" is the XLSForm yes_no convention the built-in form uses.
var tableSpecs = []tableSpec{
	{key: "age_sex", objective: 1, title: tx("Migrants de retour par groupe d'âge et sexe", "Returnees by age group and sex"), row: "age_group", col: "sex", universe: allReturnees},
	{key: "post_month", objective: 1, title: tx("Migrants de retour par poste et mois (tendance DTM)", "Returnees by post and month (DTM trend)"), row: "post", col: "month", universe: allReturnees},
	{key: "migrant_status_sex", objective: 1, title: tx("Migrants de retour par statut migratoire et sexe", "Returnees by migration status and sex"), row: "migrant_status", col: "sex", universe: allReturnees},
	{key: "last_residence_sex", objective: 1, title: tx("Migrants de retour par dernier pays de résidence et sexe", "Returnees by country of last residence and sex"), row: "last_residence", col: "sex", universe: allReturnees},
	{key: "status_abroad_sex", objective: 1, title: tx("Statut de séjour dans le dernier pays de résidence, par sexe", "Residence status in the country of last residence, by sex"), row: "status_abroad", col: "sex", universe: allReturnees},
	{key: "return_reason_sex", objective: 21, title: tx("Raison principale du retour, par sexe", "Main reason for return, by sex"), row: "main_return_reason", col: "sex", universe: allReturnees},
	{key: "return_sex", objective: 1, title: tx("Migrants de retour par type de retour et sexe", "Returnees by type of return and sex"), row: "return_type", col: "sex", universe: allReturnees},
	{key: "last_residence_return", objective: 1, title: tx("Migrants de retour par dernier pays de résidence et type de retour", "Returnees by country of last residence and type of return"), row: "last_residence", col: "return_type", universe: allReturnees},
	{key: "destination_sex", objective: 1, title: tx("Migrants de retour par pays de destination prévu au départ et sexe", "Returnees by intended destination country and sex"), row: "destination", col: "sex", universe: allReturnees},
	{key: "region_sex", objective: 1, title: tx("Migrants de retour par région d'origine et sexe", "Returnees by region of origin and sex"), row: "region", col: "sex", universe: allReturnees},
	{key: "destination_return", objective: 1, title: tx("Migrants de retour par pays de destination prévu et type de retour", "Returnees by intended destination country and type of return"), row: "destination", col: "return_type", universe: allReturnees},
	{key: "age_return", objective: 1, title: tx("Migrants de retour par groupe d'âge et type de retour", "Returnees by age group and type of return"), row: "age_group", col: "return_type", universe: allReturnees},
	{key: "disability_sex", objective: 1, title: tx("Handicap (seuil du Washington Group : « beaucoup de difficultés » ou « ne peut pas du tout » dans au moins un domaine), par sexe", "Disability (Washington Group cut-off: \"a lot of difficulty\" or \"cannot do at all\" in at least one domain), by sex"), row: "disability", col: "sex", universe: allReturnees},
	{key: "activity_before_abroad", objective: 18, title: tx("Transitions d'activité : avant le départ → à l'étranger", "Activity transitions: before leaving → abroad"), row: "activity_before", col: "activity_abroad", universe: allReturnees},
	{key: "activity_abroad_now", objective: 18, title: tx("Transitions d'activité : à l'étranger → au Mali (mois à venir)", "Activity transitions: abroad → in Mali (coming month)"), row: "activity_abroad", col: "activity_now", universe: allReturnees},
	{key: "occupation_before_abroad", objective: 18, title: tx("Transitions de profession (CITP-08) : avant le départ → à l'étranger", "Occupation transitions (ISCO-08): before leaving → abroad"), row: "occupation_before", col: "occupation_abroad", universe: tx("Personnes ayant travaillé avant le départ et à l'étranger", "People who worked before leaving and abroad")},
	{key: "occupation_abroad_now", objective: 18, title: tx("Transitions de profession (CITP-08) : à l'étranger → au Mali", "Occupation transitions (ISCO-08): abroad → in Mali"), row: "occupation_abroad", col: "occupation_now", universe: tx("Personnes ayant travaillé à l'étranger et qui travailleront au Mali", "People who worked abroad and will work in Mali")},
	{key: "occupation", objective: 18, title: tx("Profession avant le départ, à l'étranger et maintenant (CITP-08, grands groupes)", "Occupation before leaving, abroad and now (ISCO-08 major groups)"), row: "occupation_before", cols: []string{"occupation_before", "occupation_abroad", "occupation_now"},
		universe: tx("Chaque colonne : les personnes qui travaillaient à ce moment-là", "Each column: the people working at that time")},
	{key: "overqualified_sex", objective: 18, title: tx("Surqualification à l'étranger (diplômés du supérieur, CITE 5–8, occupant un emploi des grands groupes 4–9 de la CITP), par sexe", "Over-qualification abroad (tertiary graduates, ISCED 5–8, working in ISCO major groups 4–9), by sex"), row: "overqualified", col: "sex",
		universe: tx("Diplômés du supérieur (CITE 5–8) ayant travaillé à l'étranger", "Tertiary graduates (ISCED 5–8) who worked abroad")},
	{key: "education_sex", objective: 18, title: tx("Niveau d'instruction le plus élevé (CITE 2011) par sexe", "Highest level of education (ISCED 2011) by sex"), row: "education", col: "sex", universe: allReturnees},
	{key: "certificate_sex", objective: 18, title: tx("Diplôme ou certificat obtenu à l'étranger, par sexe", "Diploma or certificate obtained abroad, by sex"), row: "certificate", col: "sex", universe: allReturnees},
	{key: "recognised_sex", objective: 18, title: tx("Reconnaissance au Mali du diplôme ou certificat obtenu à l'étranger, par sexe", "Recognition in Mali of the diploma or certificate obtained abroad, by sex"), row: "recognised", col: "sex", where: Filter{{"certificate", "yes"}}, universe: certHolders},
	{key: "recognition_applied_sex", objective: 18, title: tx("Demande d'équivalence ou de reconnaissance au Mali, par sexe (ESTQUAL)", "Application for equivalence or recognition in Mali, by sex (ESTQUAL)"), row: "recognition_applied", col: "sex", where: Filter{{"certificate", "yes"}}, universe: certHolders},
	{key: "recognition_outcome_sex", objective: 18, title: tx("Résultat de la demande de reconnaissance, par sexe (ESTQUAL)", "Outcome of the application for recognition, by sex (ESTQUAL)"), row: "recognition_outcome", col: "sex", where: Filter{{"recognition_applied", "yes"}},
		universe: tx("Titulaires d'un diplôme ou certificat étranger ayant fait une demande", "Holders of a foreign diploma or certificate who applied")},
	{key: "wish_sex", objective: 18, title: tx("Souhait de validation (VAE) ou de reconnaissance, par sexe", "Wish for validation (VAE) or recognition, by sex"), row: "recognition_wish", col: "sex",
		universe: tx("Personnes ayant acquis des compétences ou un certificat à l'étranger", "People who acquired skills or a certificate abroad")},
	{key: "sent_money_sex", objective: 20, title: tx("Envois d'argent pendant le séjour à l'étranger, par sexe", "Money sent home while abroad, by sex"), row: "sent_money", col: "sex", universe: allReturnees},
	{key: "remittance_frequency_sex", objective: 20, title: tx("Fréquence des envois d'argent, par sexe", "Frequency of remittances, by sex"), row: "remittance_frequency", col: "sex", where: Filter{{"sent_money", "yes"}},
		universe: tx("Personnes ayant envoyé de l'argent", "People who sent money")},
}

// multiSpec is a multiple-response table: rows are the choices of a
// select_multiple, columns a dimension; a person counts in every row
// ticked, so percentages of a column add up to more than 100.
type multiSpec struct {
	key       string
	objective int
	title     forms.Text
	field     string // select_multiple field name
	col       string
	universe  forms.Text
}

var multiSpecs = []multiSpec{
	{key: "return_reasons_sex", objective: 21, title: tx("Raisons du retour (réponses multiples), par sexe", "Reasons for return (multiple responses), by sex"), field: "return_reasons", col: "sex", universe: allReturnees},
	{key: "needs_sex", objective: 7, title: tx("Besoins les plus urgents (réponses multiples), par sexe", "Most urgent needs (multiple responses), by sex"), field: "needs", col: "sex", universe: allReturnees},
	{key: "needs_age", objective: 7, title: tx("Besoins les plus urgents (réponses multiples), par groupe d'âge", "Most urgent needs (multiple responses), by age group"), field: "needs", col: "age_group", universe: allReturnees},
}

var cubeKeys = []string{"sex", "age_group", "return_type", "destination", "region"}
