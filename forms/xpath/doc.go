// Package xpath parses and evaluates the XLSForm/ODK expression language: the
// XPath 1.0 subset JavaRosa implements, with ${name} references, and its exact
// semantics for empty answers, numeric coercion and dates.
//
// Expressions are parsed once, when a form is compiled; Parse reports every
// syntax error with its offset. Eval evaluates against a Context that the
// caller implements (the interview engine, or a test's literal tree).
package xpath
