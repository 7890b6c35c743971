package config

import (
	"errors"

	"go.yaml.in/yaml/v4"
)

// StringList is a list that may also be written as a single scalar.
type StringList []string

// UnmarshalYAML accepts "jwt" as well as [jwt, apikey].
func (l *StringList) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			*l = nil
			return nil
		}
		*l = StringList{n.Value}
		return nil
	case yaml.SequenceNode:
		var s []string
		if err := n.Decode(&s); err != nil {
			return err
		}
		*l = s
		return nil
	}
	return errors.New("want a word or a list of words")
}
