package xpath

// result is an intermediate value: a scalar, or the nodes a path selected.
type result struct {
	v     Value
	nodes []Node
	isSet bool
}

// evaluator holds the state of one evaluation.
type evaluator struct {
	ctx Context
}
