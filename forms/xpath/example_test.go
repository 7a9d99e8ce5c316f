package xpath_test

import (
	"fmt"

	"sira/forms/xpath"
)

func ExampleParse() {
	e, err := xpath.Parse("${age} >= 18 and selected(../reasons, 'work')")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(e.Fields(), e.Paths(), e.Volatile())

	_, err = xpath.Parse("${age} >= 18 and ${sex} = ‘f’")
	fmt.Println(err)
	// Output:
	// [age] [../reasons] false
	// typographic quote '‘': write strings with straight quotes ' or " at column 27
}

func ExampleExpr_Eval() {
	ctx := household() // a Context over a small literal interview
	for _, src := range []string{
		"${age} + 1",
		"${empty} + 1",
		"coalesce(${empty}, 0) + 1",
		"format-date(${dob}, '%e %b %Y')",
		"count(${member})",
		"${mname}",
	} {
		v, err := xpath.MustParse(src).EvalString(ctx)
		if err != nil {
			fmt.Printf("%s → error: %v\n", src, err)
			continue
		}
		fmt.Printf("%s → %q\n", src, v)
	}
	// Output:
	// ${age} + 1 → "35"
	// ${empty} + 1 → "NaN"
	// coalesce(${empty}, 0) + 1 → "1"
	// format-date(${dob}, '%e %b %Y') → "15 Mar 1990"
	// count(${member}) → "3"
	// ${mname} → error: evaluate ${mname}: This field is repeated: use indexed-repeat() or a predicate to pick one instance
}
