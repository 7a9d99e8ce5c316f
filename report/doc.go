// Package report computes the migration statistics tables of the returnee
// survey: returnees disaggregated by sex, age group, type of return,
// destination country and region of origin (objective 1 of the Global
// Compact for Migration: accurate, disaggregated data), and the skills
// profile (objective 18: occupation before leaving, abroad and now by ISCO-08
// major group, highest education by ISCED 2011, certificates obtained
// abroad, their recognition and the wish for it).
//
// Compute reads interviews from the same iterator as package export and
// keeps counts only, so it runs over any number of interviews in bounded
// memory. The fields it reads are named in a Mapping (DefaultMapping matches
// the built-in form, forms/builtin/returnee.md); a form lacking one fails
// with a *MissingFieldsError that lists them all.
//
// Every cell carries the Filter that selects the interviews it counts,
// written as a query string ("sex=female&age_group=25-34"); a Selector
// applies such a filter to interviews, so the dashboard can link each number
// to the table of its interviews. Cells counting fewer than Options.SmallCell
// interviews (5 by default) are flagged: percentages on so few are unstable
// and the people behind them may be identifiable.
package report
