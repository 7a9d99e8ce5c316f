package xpath

// Expr is a parsed expression. (Placeholder: the parser lands with issue 2.)
type Expr struct {
	src string
}
