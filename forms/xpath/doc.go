// Package xpath parses and evaluates the XLSForm/ODK expression language: the
// XPath 1.0 subset JavaRosa implements, with ${name} references, and its exact
// semantics for empty answers, numeric coercion and dates.
//
// Expressions are parsed once, when a form is compiled; Parse reports every
// syntax error with its offset. Eval evaluates against a Context that the
// caller implements (the interview engine, or a test's literal tree).
//
// # Parsing
//
// Parse accepts ${name} references, ".", "..", absolute and relative
// location paths with predicates (/data/g/q, ../q, bare names such as region
// in a choice filter, instance('list')/root/item[name = ${x}]/label), the
// operators or, and, = != < <= > >=, + - * div mod, unary minus and |, string
// and number literals, parentheses and calls of the functions FunctionNames
// lists. Unknown functions, wrong arities, descendant paths (//), axes other
// than child, self and parent, attributes and node tests such as text() are
// *SyntaxError at parse time. Union (|) parses but does not evaluate, as in
// JavaRosa. Fields, Paths and Volatile describe an expression for
// dependency analysis.
//
// # Evaluation
//
// Values follow JavaRosa rather than XPath 1.0 where they differ (see
// shared/xlsform/REFERENCE.md §6): an empty answer is "" and becomes NaN in
// arithmetic; "=" compares as booleans, else numbers, else strings; "<" is
// always numeric; dates are days since 1970-01-01 as numbers and YYYY-MM-DD
// as strings; a field matching several nodes (a repeat seen from outside)
// is an error when used as a single value, and count(), sum(), join() and
// friends take it whole. ToString, ToNumber and ToBool are the conversions.
// Dates are read and printed in the zone of Context.Now.
//
// Every row of shared/xlsform/xpath_cases.tsv (facts from JavaRosa's tests)
// is a test case of this package.
package xpath
