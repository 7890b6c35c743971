package jsonlimits_test

import (
	"errors"
	"fmt"

	"github.com/rampart-api/rampart/jsonlimits"
)

func ExampleLimits_Check() {
	lim, err := jsonlimits.New(jsonlimits.Config{MaxDepth: 32})
	if err != nil {
		panic(err)
	}
	err = lim.Check([]byte(`{"user":{"role":"user","role":"admin"}}`))
	var e *jsonlimits.Error
	if errors.As(err, &e) {
		fmt.Println(e.Pointer, errors.Is(err, jsonlimits.ErrDuplicateKey), e.Detail())
	}
	// Output:
	// /user/role true duplicate key
}

// A Content-Type is parsed once; the same value decides the schema lookup,
// the checks and what the upstream is sent.
func ExampleParseMediaTypeValue() {
	m, err := jsonlimits.ParseMediaTypeValue("Application/JSON ;Charset=UTF-7")
	fmt.Println(m.Type, m.Kind == jsonlimits.KindJSON, m.Canonical, err)
	err = m.CheckCharset([]byte(`{"name":"x+ACIALAAi-role+ACIAOgAi-admin"}`))
	fmt.Println(errors.Is(err, jsonlimits.ErrCharset))
	// Output:
	// application/json true application/json; charset=UTF-7 <nil>
	// true
}

// Bracket field names build objects in qs, Rack and PHP; a validator that
// looked only for declared names would miss user[role].
func ExampleParseFieldName() {
	for _, name := range []string{"user[role]", "tags[]", "user[role"} {
		base, segments, ok := jsonlimits.ParseFieldName(name)
		fmt.Printf("%q %q %v\n", base, segments, ok)
	}
	// Output:
	// "user" ["role"] true
	// "tags" [""] true
	// "" [] false
}
