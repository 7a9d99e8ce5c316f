// Package builtin embeds Sira's built-in forms: the survey of returning
// migrants (form id "returnee"), the form the enumerator's app uses when no
// form is given, and the daily flow count per post (form id "flow_count",
// flow_count.md), the flow monitoring registry that weights the survey.
//
// The returnee survey's current version (2026120801) follows the
// methodological review of version 2026112801 (errors E1–E16) and issue 13:
// an eligibility screen, migrant status per UN 1998/2021, reasons for
// return, labour per ICLS and ICSE-18, SDG 10.7.1 recruitment costs,
// recognition per EU-LFS ESTQUAL, child protection per CRC General Comment
// 6, and the missing-value convention dk/refused (selects) and -98/-99
// (numbers). The header of returnee.md documents every convention and
// source. Earlier versions are kept verbatim in versions/ (Versions,
// Version): interviews collected with them still load, sync, export and
// report; the benchmarks use FrozenVersion so their figures stay comparable.
//
// The module list below describes version 2026112801. It is authored as an
// XLSForm in pyxform's markdown-table layout (returnee.md) so that it is text:
// reviewable, diffable, and compiled by the same reader as any spreadsheet.
// Every label, hint and message is written in French ("Français (fr)", the
// default language) and English ("English (en)").
//
// # Modules
//
// The survey sheet is a sequence of groups, each a module:
//
//   - identification: the border post or entry point, whether the person was
//     already interviewed, the consent statement (acknowledge) and consent.
//     Everything after it sits in the group "interview", relevant only when
//     the person was not interviewed before and consents, so a refusal ends
//     the interview.
//   - crossing: date of arrival, means of transport, country arrived from
//     (neighbouring countries, or any country when arriving by plane),
//     travel companions.
//   - demographics: sex, age (15–99), nationality, marital status, and a
//     field-list group for the household.
//   - origin: region → cercle as a cascading select (choice_filter
//     region=${origin_region}), locality, urban or rural.
//   - migration: departure and return dates (return ≥ departure, neither in
//     the future), months abroad (calculated), first migration, intended
//     destination, travel document, and a repeat of journey legs
//     (repeat_count ${nb_legs}, 1–10): country, months, means of transport,
//     cost; the legs' costs are summed and shown as a hint on the total cost.
//   - reasons: up to three reasons for leaving (count-selected), the main one
//     among those chosen (choice_filter with selected()), who decided.
//   - return: voluntary, assisted voluntary return, or expelled/forced, with
//     the assisting organisation or the expelling country.
//   - education: literacy, highest level completed (ISCED 2011), Koranic
//     school.
//   - occupation: before leaving, abroad and now, as ISCO-08 major groups.
//   - skills: skills and certificates acquired abroad, a photo of the
//     certificate, recognition in Mali and the wish for it (objective 18 of
//     the Global Compact for Safe, Orderly and Regular Migration).
//   - employment: status in employment abroad and now in Mali, incomes before,
//     abroad and now, money brought back.
//   - remittances: whether, how much, through which channels, for what.
//   - vulnerability: the Washington Group Short Set on Functioning, health,
//     hardships on the journey, a referral note for unaccompanied minors,
//     up to three urgent needs, shelter.
//   - intentions: stay, settle elsewhere in Mali or migrate again; referral.
//
// # Code lists and their sources
//
//   - Education: ISCED 2011 (UNESCO Institute for Statistics, International
//     Standard Classification of Education 2011; French CITE 2011), levels
//     0–8 with the attainment (ISCED-A) wording for level 0, "less than
//     primary education", which includes no schooling.
//   - Occupation: ISCO-08 major groups 1–9 and 0 (ILO, International
//     Standard Classification of Occupations 2008; French CITP-08), with the
//     ILO's titles in both languages.
//   - Origin: Mali's 8 regions and the District of Bamako with their 49
//     cercles, as in the 2009 census (RGPH 2009) and most INSTAT series; the
//     District's six communes stand in for cercles. The 2023 reorganisation
//     (19 regions, 156 cercles) created cercles by dismantling existing
//     ones, so no recoding to it is claimed (review E13); the commune of
//     origin, from which both frames derive, is kept in text until an
//     official coded list is loaded. Ménaka is a cercle of
//     Gao and Taoudénit lies within Tombouctou's cercles, as in 2009.
//   - Border posts: the main road crossings where returnees are received
//     (Gogui, Diboli, Kourémalé, Hérémakono, Zégoua, Bénéna, Labbezanga,
//     In-Khalil), Gao as the hub of the routes from Algeria and Niger, and
//     Bamako-Sénou airport for returns by air; each carries its region.
//   - Countries: ISO 3166-1 alpha-3 codes as choice names ("other" for the
//     rest), with a "neighbour" column marking Mali's seven neighbours.
//   - Disability: the Washington Group Short Set on Functioning (six
//     domains, four answer categories).
//
// Source gives the bytes as authored, Workbook the read sheets, and Form the
// compiled form (compiled afresh on each call; callers keep it).
package builtin
