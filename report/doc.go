// Package report computes the migration statistics tables of the returnee
// survey (GCM objective 1: data disaggregated by sex, age and migration
// status; objective 18: skills and their recognition; objectives 7, 20 and
// 21: needs, remittances, return), and the tables of the daily flow count
// (ComputeFlow).
//
// Each table states its universe. Bases are the applicable population:
// not applicable and not stated (an empty answer) are outside the base and
// counted apart (Table.Excluded); "don't know" and "refused" (the choices dk
// and refused, the numbers -98 and -99) are rows shown apart, outside the
// percentage base (Cell.OutOfBase). Derived calculates with a choice list of
// their name (migrant_status, disability, eligible) are dimensions like
// select_one fields. The universe is the interviews with consent and, when
// the form screens, eligibility.
//
// The fields read are named in a Mapping (DefaultMapping matches every
// version of the built-in form, forms/builtin/returnee.md); sex and age are
// required, and a table whose fields an (earlier) form lacks is left out.
//
// Every linked cell carries the Filter that selects the interviews it
// counts, written as a query string ("sex=female&age_group=25-34"; the
// value Base means any value inside the base); a Selector applies such a
// filter to interviews, so the dashboard can link each number to the table
// of its interviews. Cells counting fewer than Options.SmallCell interviews
// (5 by default) are flagged.
//
// With Options.Arrivals (ReadArrivals over the flow_count form), each
// interview gets the post × day × sex expansion weight arrivals counted ÷
// interviews completed, and cells carry weighted figures beside the counts;
// Report.Coverage says how many interviews a count covers. Report.Publish
// prepares a report for circulation: small counts suppressed with
// complementary suppression, percentages on bases under MinBase suppressed,
// no links, no cube. Every output carries the reference period, the
// generation date, the form versions, whether only approved interviews were
// read, and a methodology note.
package report
