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
