package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

var (
	durationType = reflect.TypeOf(Duration(0))
	secretType   = reflect.TypeOf(Secret(""))
)

// decode parses data, checks its shape against Config key by key (so that
// every unknown key, misspelt key and wrongly typed value is reported with
// its path and line, not only the first), and decodes it.
func decode(data []byte, name string) (*Config, error) {
	c := &Config{where: map[string]string{}, file: name}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, &Error{File: name, Problems: []Problem{{Msg: strings.TrimPrefix(err.Error(), "yaml: ")}}}
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		return c, nil // an empty file: defaults, then validation
	}
	doc := root.Content[0]
	ps := &problems{where: c.where, budget: maxNodes}
	walk(doc, reflect.TypeOf(Config{}), "", ps)
	if err := ps.err(name); err != nil {
		return nil, err
	}
	if err := doc.Decode(c); err != nil {
		// The walk checks what Decode checks; this is a backstop.
		return nil, &Error{File: name, Problems: []Problem{{Msg: strings.TrimPrefix(err.Error(), "yaml: ")}}}
	}
	return c, nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

type field struct {
	name string
	typ  reflect.Type
}

// yamlFields lists a struct's YAML keys in declaration order.
func yamlFields(t reflect.Type) []field {
	var out []field
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if tag == "-" || tag == "" {
			continue
		}
		out = append(out, field{tag, f.Type})
	}
	return out
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return fmt.Sprintf("%q", n.Value)
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// parseBool accepts YAML's booleans, old and new.
func parseBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "true", "yes", "on", "y":
		return true, true
	case "false", "no", "off", "n":
		return false, true
	}
	return false, false
}

// maxNodes bounds the nodes walk visits, aliases expanded: a document of
// nested aliases ("billion laughs") must not exhaust memory or time.
const maxNodes = 200000

// walk checks node n against type t at path, recording where each key is.
func walk(n *yaml.Node, t reflect.Type, path string, ps *problems) {
	if ps.budget--; ps.budget < 0 {
		if ps.budget == -1 {
			ps.add("", "the document is too large, or its aliases expand to more than %d values", maxNodes)
		}
		return
	}
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if path != "" {
		if _, ok := ps.where[path]; !ok {
			ps.where[path] = fmt.Sprintf("line %d", n.Line)
		}
	}
	if isNull(n) {
		return // an empty value: the default
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == durationType:
		if n.Kind != yaml.ScalarNode {
			ps.add(path, "want a duration such as 10s, 15m or 7d, not %s", kindName(n))
		} else if _, err := parseDuration(n.Value); err != nil {
			ps.add(path, "%v", err)
		}
		return
	case t.Kind() == reflect.Struct:
		if n.Kind != yaml.MappingNode {
			ps.add(path, "want a mapping (key: value lines), not %s", kindName(n))
			return
		}
		fields := yamlFields(t)
		byName := map[string]reflect.Type{}
		var names []string
		for _, f := range fields {
			byName[f.name] = f.typ
			names = append(names, f.name)
		}
		seen := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := join(path, k.Value)
			if twice(ps, seen, p, k) {
				continue
			}
			ft, ok := byName[k.Value]
			if !ok {
				if _, secret := byName[k.Value+"_env"]; secret {
					ps.add(p, "secrets are not kept in the configuration file: put the value in an environment variable and name that variable with %s_env", k.Value)
				} else if k.Value == "<<" {
					ps.add(p, "YAML merge keys are not supported; repeat the keys")
				} else {
					ps.add(p, "unknown key %q; known keys here: %s", k.Value, strings.Join(names, ", "))
				}
				continue
			}
			walk(v, ft, p, ps)
		}
	case t.Kind() == reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			ps.add(path, "want a list, not %s", kindName(n))
			return
		}
		for i, e := range n.Content {
			walk(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i), ps)
		}
	case t.Kind() == reflect.Map:
		if n.Kind != yaml.MappingNode {
			ps.add(path, "want a mapping (name: value lines), not %s", kindName(n))
			return
		}
		seen := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := join(path, k.Value)
			if twice(ps, seen, p, k) {
				continue
			}
			walk(v, t.Elem(), p, ps)
		}
	case t.Kind() == reflect.String:
		if n.Kind != yaml.ScalarNode {
			ps.add(path, "want a text value, not %s", kindName(n))
		}
	case t.Kind() == reflect.Int:
		if n.Kind != yaml.ScalarNode {
			ps.add(path, "want a whole number, not %s", kindName(n))
		} else if _, err := strconv.Atoi(n.Value); err != nil {
			ps.add(path, "want a whole number, not %q", n.Value)
		}
	case t.Kind() == reflect.Bool:
		if _, ok := parseBool(n.Value); n.Kind != yaml.ScalarNode || !ok {
			ps.add(path, "want true or false, not %s", kindName(n))
		}
	}
}

// twice records where key k (at path p) is written, or, when the mapping
// has it already, reports it with both lines: YAML forbids it, and which
// of the two values counts would be a guess.
func twice(ps *problems, seen map[string]int, p string, k *yaml.Node) bool {
	if first, dup := seen[k.Value]; dup {
		ps.where[p] = fmt.Sprintf("line %d", k.Line)
		ps.add(p, "%q is given twice in one mapping (first at line %d)", k.Value, first)
		return true
	}
	seen[k.Value] = k.Line
	ps.where[p] = fmt.Sprintf("line %d", k.Line)
	return false
}

// envName is the override variable for a key path.
func envName(path string) string {
	return "LOCKERGATE_" + strings.ToUpper(strings.NewReplacer(".", "_", "-", "_").Replace(path))
}

// EnvOverrides lists the environment variables that override keys, with
// the key each overrides, for documentation and "--help".
func EnvOverrides() map[string]string {
	out := map[string]string{}
	var visit func(t reflect.Type, path string)
	visit = func(t reflect.Type, path string) {
		for _, f := range yamlFields(t) {
			p := join(path, f.name)
			switch {
			case f.typ.Kind() == reflect.Struct && f.typ != durationType:
				visit(f.typ, p)
			case f.typ.Kind() == reflect.String, f.typ.Kind() == reflect.Int, f.typ.Kind() == reflect.Bool, f.typ == durationType:
				out[envName(p)] = p
			}
		}
	}
	visit(reflect.TypeOf(Config{}), "")
	return out
}

// applyEnv sets every scalar key outside lists and maps from its
// LOCKERGATE_* variable, when set.
func applyEnv(c *Config, lookup func(string) (string, bool), ps *problems) {
	var visit func(v reflect.Value, path string)
	visit = func(v reflect.Value, path string) {
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			sf := t.Field(i)
			tag, _, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
			if !sf.IsExported() || tag == "" || tag == "-" {
				continue
			}
			p := join(path, tag)
			fv := v.Field(i)
			if sf.Type.Kind() == reflect.Struct && sf.Type != durationType {
				visit(fv, p)
				continue
			}
			name := envName(p)
			val, ok := lookup(name)
			if !ok {
				continue
			}
			switch {
			case sf.Type == durationType:
				ps.where[p] = "environment " + name
				d, err := parseDuration(val)
				if err != nil {
					ps.add(p, "%v", err)
					continue
				}
				fv.SetInt(int64(d))
			case sf.Type.Kind() == reflect.String:
				ps.where[p] = "environment " + name
				fv.SetString(val)
			case sf.Type.Kind() == reflect.Int:
				ps.where[p] = "environment " + name
				n, err := strconv.Atoi(strings.TrimSpace(val))
				if err != nil {
					ps.add(p, "want a whole number, not %q", val)
					continue
				}
				fv.SetInt(int64(n))
			case sf.Type.Kind() == reflect.Bool:
				ps.where[p] = "environment " + name
				b, ok := parseBool(strings.TrimSpace(val))
				if !ok {
					ps.add(p, "want true or false, not %q", val)
					continue
				}
				fv.SetBool(b)
			}
		}
	}
	visit(reflect.ValueOf(c).Elem(), "")
	// A DSN from the environment may hold a password: keep it as a
	// secret, out of String and error messages.
	if strings.HasPrefix(ps.where["store.dsn"], "environment ") {
		c.Store.DSNSecret = Secret(c.Store.DSN)
		c.Store.DSN = ""
	}
}
