package schema

import (
	"encoding/xml"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// compiler turns the XSD tree into element declarations, types and
// automata. Global components are resolved on first use, so references may
// point forward; a component is registered before its body is compiled, so
// recursive content models terminate.
type compiler struct {
	target   string
	elemQual bool
	attrQual bool

	rawElems      map[xml.Name]*node
	rawTypes      map[xml.Name]*node
	rawGroups     map[xml.Name]*node
	rawAttrs      map[xml.Name]*node
	rawAttrGroups map[xml.Name]*node

	elems    map[xml.Name]*elementDecl
	types    map[xml.Name]*typeDef
	groups   map[xml.Name]*particle
	inGroup  map[xml.Name]bool
	inAttrGp map[xml.Name]bool
	complex  []*typeDef // every complex type, for automaton compilation
	anyType  *typeDef
}

// debugWork, when set by a test, receives the compile effort of a schema.
var debugWork *int

func schemaErr(n *node, format string, a ...any) error {
	return fmt.Errorf("schema: XSD line %d: %s", n.line, fmt.Sprintf(format, a...))
}

func compile(root *node) (*Schema, error) {
	c := &compiler{
		target:        root.attrs["targetNamespace"],
		elemQual:      root.attrs["elementFormDefault"] == "qualified",
		attrQual:      root.attrs["attributeFormDefault"] == "qualified",
		rawElems:      map[xml.Name]*node{},
		rawTypes:      map[xml.Name]*node{},
		rawGroups:     map[xml.Name]*node{},
		rawAttrs:      map[xml.Name]*node{},
		rawAttrGroups: map[xml.Name]*node{},
		elems:         map[xml.Name]*elementDecl{},
		types:         map[xml.Name]*typeDef{},
		groups:        map[xml.Name]*particle{},
		inGroup:       map[xml.Name]bool{},
		inAttrGp:      map[xml.Name]bool{},
	}
	c.anyType = &typeDef{name: xml.Name{Space: xsdNS, Local: "anyType"}, complex: true, anyType: true, content: contentMixed,
		anyAttr: &wildcard{any: true, process: processLax, describe: "any attribute"}}
	c.types[c.anyType.name] = c.anyType
	for local := range builtins {
		n := xml.Name{Space: xsdNS, Local: local}
		c.types[n] = &typeDef{name: n, simple: builtinSimple(local)}
	}
	for _, local := range []string{"NMTOKENS", "IDREFS", "ENTITIES"} {
		n := xml.Name{Space: xsdNS, Local: local}
		c.types[n] = &typeDef{name: n, simple: builtinSimple(local)}
	}

	var order []xml.Name
	for _, n := range root.children {
		name, hasName := n.attr("name")
		qn := xml.Name{Space: c.target, Local: name}
		var m map[xml.Name]*node
		switch n.name.Local {
		case "element":
			m = c.rawElems
			order = append(order, qn)
		case "complexType", "simpleType":
			m = c.rawTypes
		case "group":
			m = c.rawGroups
		case "attribute":
			m = c.rawAttrs
		case "attributeGroup":
			m = c.rawAttrGroups
		case "notation":
			continue
		case "import", "include", "redefine", "override":
			return nil, schemaErr(n, "xs:%s is not supported; the schema must be self-contained", n.name.Local)
		default:
			return nil, schemaErr(n, "unexpected top-level xs:%s", n.name.Local)
		}
		if !hasName {
			return nil, schemaErr(n, "top-level xs:%s without a name", n.name.Local)
		}
		if _, dup := m[qn]; dup {
			return nil, schemaErr(n, "xs:%s %q is declared twice", n.name.Local, name)
		}
		m[qn] = n
	}
	for qn := range c.rawTypes {
		if _, err := c.typeByName(qn, root); err != nil {
			return nil, err
		}
	}
	for _, qn := range order {
		if _, err := c.globalElement(qn, root); err != nil {
			return nil, err
		}
	}
	for qn := range c.rawGroups {
		if _, err := c.group(qn, root); err != nil {
			return nil, err
		}
	}
	for qn := range c.rawAttrGroups {
		if _, _, err := c.attrGroup(qn, root, nil, nil); err != nil {
			return nil, err
		}
	}
	attrs := map[xml.Name]*attrUse{}
	for qn, n := range c.rawAttrs {
		u, err := c.attrUse(n)
		if err != nil {
			return nil, err
		}
		u.name = qn // global attributes are always qualified
		attrs[qn] = u
	}
	work := 0
	for _, t := range c.complex {
		a, err := compileModel(t.particle, &work)
		if err != nil {
			return nil, fmt.Errorf("schema: type %s: %w", typeLabel(t), err)
		}
		t.model = a
	}
	if debugWork != nil {
		*debugWork = work
	}
	s := &Schema{target: c.target, elements: c.elems, types: c.types, attrs: attrs, order: order}
	return s, nil
}

func typeLabel(t *typeDef) string {
	if t.name.Local == "" {
		return "(anonymous)"
	}
	return t.name.Local
}

func (c *compiler) globalElement(qn xml.Name, at *node) (*elementDecl, error) {
	if d, ok := c.elems[qn]; ok {
		return d, nil
	}
	n, ok := c.rawElems[qn]
	if !ok {
		return nil, schemaErr(at, "no global element %s", fmtName(qn))
	}
	d := &elementDecl{name: qn}
	c.elems[qn] = d
	if err := c.fillElement(d, n); err != nil {
		return nil, err
	}
	return d, nil
}

func fmtName(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return "{" + n.Space + "}" + n.Local
}

// fillElement compiles an element declaration's type and constraints.
func (c *compiler) fillElement(d *elementDecl, n *node) error {
	if _, ok := n.attr("substitutionGroup"); ok {
		return schemaErr(n, "substitutionGroup is not supported")
	}
	d.nillable = n.attrs["nillable"] == "true"
	d.abstract = n.attrs["abstract"] == "true"
	if v, ok := n.attr("fixed"); ok {
		d.fixed = &v
	}
	for _, k := range n.children {
		switch k.name.Local {
		case "complexType", "simpleType":
			if d.typ != nil {
				return schemaErr(k, "element %s has more than one type", d.name.Local)
			}
			t, err := c.anonType(k)
			if err != nil {
				return err
			}
			d.typ = t
		case "key", "keyref", "unique":
			return schemaErr(k, "identity constraint xs:%s is not supported", k.name.Local)
		default:
			return schemaErr(k, "unexpected xs:%s in xs:element", k.name.Local)
		}
	}
	if tn, ok := n.attr("type"); ok {
		if d.typ != nil {
			return schemaErr(n, "element %s has both a type attribute and an anonymous type", d.name.Local)
		}
		qn, err := n.qname(tn)
		if err != nil {
			return schemaErr(n, "%v", err)
		}
		if d.typ, err = c.typeByName(qn, n); err != nil {
			return err
		}
	}
	if d.typ == nil {
		d.typ = c.anyType
	}
	return nil
}

func (c *compiler) anonType(k *node) (*typeDef, error) {
	if k.name.Local == "simpleType" {
		st, err := c.simpleFrom(k, xml.Name{})
		if err != nil {
			return nil, err
		}
		return &typeDef{simple: st}, nil
	}
	t := &typeDef{complex: true}
	return t, c.fillComplex(t, k)
}

// typeByName resolves a type reference: a built-in or a global type.
func (c *compiler) typeByName(qn xml.Name, at *node) (*typeDef, error) {
	if t, ok := c.types[qn]; ok {
		if t.resolving {
			return nil, schemaErr(at, "type %s is derived from itself", qn.Local)
		}
		return t, nil
	}
	n, ok := c.rawTypes[qn]
	if !ok {
		return nil, schemaErr(at, "unknown type %s", fmtName(qn))
	}
	t := &typeDef{name: qn, resolving: true}
	c.types[qn] = t
	if n.name.Local == "simpleType" {
		st, err := c.simpleFrom(n, qn)
		if err != nil {
			return nil, err
		}
		t.simple = st
	} else {
		t.complex = true
		if err := c.fillComplex(t, n); err != nil {
			return nil, err
		}
	}
	t.resolving = false
	return t, nil
}

func (c *compiler) simpleByName(qn xml.Name, at *node) (*simpleType, error) {
	t, err := c.typeByName(qn, at)
	if err != nil {
		return nil, err
	}
	if t.complex || t.simple == nil {
		return nil, schemaErr(at, "%s is a complex type where a simple type is required", qn.Local)
	}
	return t.simple, nil
}

// simpleFrom compiles an xs:simpleType element.
func (c *compiler) simpleFrom(n *node, name xml.Name) (*simpleType, error) {
	for _, k := range n.children {
		switch k.name.Local {
		case "restriction":
			base, err := c.restrictionBase(k)
			if err != nil {
				return nil, err
			}
			return c.restrict(base, k, name)
		case "list":
			var item *simpleType
			var err error
			if it, ok := k.attr("itemType"); ok {
				qn, qerr := k.qname(it)
				if qerr != nil {
					return nil, schemaErr(k, "%v", qerr)
				}
				item, err = c.simpleByName(qn, k)
			} else if len(k.children) == 1 && k.children[0].name.Local == "simpleType" {
				item, err = c.simpleFrom(k.children[0], xml.Name{})
			} else {
				err = schemaErr(k, "xs:list needs an itemType or one xs:simpleType")
			}
			if err != nil {
				return nil, err
			}
			return &simpleType{name: name, ws: wsCollapse, variety: list, item: item, length: -1, minLength: -1, maxLength: -1, fracDigits: -1}, nil
		case "union":
			t := &simpleType{name: name, ws: wsCollapse, variety: union, length: -1, minLength: -1, maxLength: -1, fracDigits: -1}
			for _, m := range strings.Fields(k.attrs["memberTypes"]) {
				qn, err := k.qname(m)
				if err != nil {
					return nil, schemaErr(k, "%v", err)
				}
				st, err := c.simpleByName(qn, k)
				if err != nil {
					return nil, err
				}
				t.members = append(t.members, st)
			}
			for _, kk := range k.children {
				if kk.name.Local != "simpleType" {
					return nil, schemaErr(kk, "unexpected xs:%s in xs:union", kk.name.Local)
				}
				st, err := c.simpleFrom(kk, xml.Name{})
				if err != nil {
					return nil, err
				}
				t.members = append(t.members, st)
			}
			if len(t.members) == 0 {
				return nil, schemaErr(k, "xs:union without member types")
			}
			return t, nil
		default:
			return nil, schemaErr(k, "unexpected xs:%s in xs:simpleType", k.name.Local)
		}
	}
	return nil, schemaErr(n, "xs:simpleType needs a restriction, list or union")
}

// restrictionBase finds the simple base of an xs:restriction: its base
// attribute or an inline xs:simpleType child.
func (c *compiler) restrictionBase(k *node) (*simpleType, error) {
	if b, ok := k.attr("base"); ok {
		qn, err := k.qname(b)
		if err != nil {
			return nil, schemaErr(k, "%v", err)
		}
		return c.simpleByName(qn, k)
	}
	for _, kk := range k.children {
		if kk.name.Local == "simpleType" {
			return c.simpleFrom(kk, xml.Name{})
		}
	}
	return nil, schemaErr(k, "xs:restriction without a base")
}

// restrict derives a new simple type from base with the facets in k.
// Non-facet children (attributes, inline base type) are ignored here.
func (c *compiler) restrict(base *simpleType, k *node, name xml.Name) (*simpleType, error) {
	t := &simpleType{name: name, base: base, prim: base.prim, ws: base.ws, variety: base.variety, item: base.item, members: base.members,
		length: -1, minLength: -1, maxLength: -1, fracDigits: -1}
	if base.variety != atomic {
		// The list or union check runs through base; only facets are new.
		t.variety = atomic
		t.prim = &builtin{name: base.describe(), check: func(string) bool { return true }}
	}
	numeric := t.prim != nil && t.prim.rat != nil
	rat := func(f *node, v string) (*big.Rat, error) {
		if !numeric {
			return nil, schemaErr(f, "facet xs:%s on a non-numeric type is not supported", f.name.Local)
		}
		r := t.prim.rat(strings.TrimSpace(v))
		if r == nil {
			return nil, schemaErr(f, "facet xs:%s: %q is not a number", f.name.Local, v)
		}
		return r, nil
	}
	num := func(f *node, v string) (int, error) {
		i, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || i < 0 {
			return 0, schemaErr(f, "facet xs:%s: %q is not a non-negative integer", f.name.Local, v)
		}
		return i, nil
	}
	var err error
	for _, f := range k.children {
		v := f.attrs["value"]
		switch f.name.Local {
		case "simpleType", "attribute", "attributeGroup", "anyAttribute":
			// inline base or (for simpleContent) attributes: handled by the caller
		case "enumeration":
			t.enums = append(t.enums, normalize(v, t.ws))
			if numeric {
				t.enumRats = append(t.enumRats, t.prim.rat(normalize(v, wsCollapse)))
			}
		case "pattern":
			re, perr := translatePattern(v)
			if perr != nil {
				return nil, schemaErr(f, "%v", perr)
			}
			t.patterns = append(t.patterns, re)
			t.patternSrc = append(t.patternSrc, v)
		case "whiteSpace":
			switch v {
			case "preserve":
				t.ws = wsPreserve
			case "replace":
				t.ws = wsReplace
			case "collapse":
				t.ws = wsCollapse
			default:
				return nil, schemaErr(f, "bad whiteSpace value %q", v)
			}
		case "length":
			t.length, err = num(f, v)
		case "minLength":
			t.minLength, err = num(f, v)
		case "maxLength":
			t.maxLength, err = num(f, v)
		case "totalDigits":
			t.totalDigits, err = num(f, v)
		case "fractionDigits":
			t.fracDigits, err = num(f, v)
		case "minInclusive":
			t.minIncl, err = rat(f, v)
		case "maxInclusive":
			t.maxIncl, err = rat(f, v)
		case "minExclusive":
			t.minExcl, err = rat(f, v)
		case "maxExclusive":
			t.maxExcl, err = rat(f, v)
		default:
			return nil, schemaErr(f, "unsupported facet xs:%s", f.name.Local)
		}
		if err != nil {
			return nil, err
		}
	}
	return t, nil
}

// fillComplex compiles an xs:complexType element into t.
func (c *compiler) fillComplex(t *typeDef, n *node) error {
	mixed := n.attrs["mixed"] == "true"
	var p *particle
	for _, k := range n.children {
		switch k.name.Local {
		case "simpleContent":
			return c.simpleContent(t, k)
		case "complexContent":
			if v, ok := k.attr("mixed"); ok {
				mixed = v == "true"
			}
			return c.complexContent(t, k, mixed)
		case "sequence", "choice", "group", "all":
			if p != nil {
				return schemaErr(k, "more than one content model in xs:complexType")
			}
			var err error
			if p, err = c.particleFrom(k); err != nil {
				return err
			}
		case "attribute", "attributeGroup", "anyAttribute":
		default:
			return schemaErr(k, "unexpected xs:%s in xs:complexType", k.name.Local)
		}
	}
	if err := c.attributes(t, n); err != nil {
		return err
	}
	c.setModel(t, p, mixed)
	return nil
}

func (c *compiler) setModel(t *typeDef, p *particle, mixed bool) {
	switch {
	case mixed:
		t.content = contentMixed
	case p == nil:
		t.content = contentEmpty
	default:
		t.content = contentElementOnly
	}
	if p == nil {
		p = &particle{min: 1, max: 1, seq: true}
	}
	t.particle = p
	c.complex = append(c.complex, t)
}

func (c *compiler) complexBase(k *node) (*typeDef, error) {
	b, ok := k.attr("base")
	if !ok {
		return nil, schemaErr(k, "xs:%s without a base", k.name.Local)
	}
	qn, err := k.qname(b)
	if err != nil {
		return nil, schemaErr(k, "%v", err)
	}
	return c.typeByName(qn, k)
}

func (c *compiler) simpleContent(t *typeDef, sc *node) error {
	for _, k := range sc.children {
		base, err := c.complexBase(k)
		if err != nil {
			return err
		}
		t.base = base
		if base.simple == nil {
			return schemaErr(k, "simpleContent base %s has no simple content", typeLabel(base))
		}
		t.content = contentSimple
		t.attrs = append(t.attrs, base.attrs...)
		t.anyAttr = base.anyAttr
		switch k.name.Local {
		case "extension":
			t.simple = base.simple
		case "restriction":
			sbase := base.simple
			for _, kk := range k.children {
				if kk.name.Local == "simpleType" {
					if sbase, err = c.simpleFrom(kk, xml.Name{}); err != nil {
						return err
					}
				}
			}
			if t.simple, err = c.restrict(sbase, k, xml.Name{}); err != nil {
				return err
			}
		default:
			return schemaErr(k, "unexpected xs:%s in xs:simpleContent", k.name.Local)
		}
		return c.attributes(t, k)
	}
	return schemaErr(sc, "empty xs:simpleContent")
}

func (c *compiler) complexContent(t *typeDef, cc *node, mixed bool) error {
	for _, k := range cc.children {
		base, err := c.complexBase(k)
		if err != nil {
			return err
		}
		if !base.complex {
			return schemaErr(k, "complexContent base %s is a simple type", typeLabel(base))
		}
		t.base = base
		var own *particle
		for _, kk := range k.children {
			switch kk.name.Local {
			case "sequence", "choice", "group", "all":
				if own, err = c.particleFrom(kk); err != nil {
					return err
				}
			case "attribute", "attributeGroup", "anyAttribute":
			default:
				return schemaErr(kk, "unexpected xs:%s in xs:%s", kk.name.Local, k.name.Local)
			}
		}
		t.attrs = append(t.attrs, base.attrs...)
		t.anyAttr = base.anyAttr
		switch k.name.Local {
		case "extension":
			if base.anyType {
				return schemaErr(k, "extension of xs:anyType is not supported")
			}
			p := base.particle
			if own != nil {
				if p != nil && base.content != contentEmpty {
					p = &particle{min: 1, max: 1, seq: true, kids: []*particle{p, own}}
				} else {
					p = own
				}
			} else if base.content == contentEmpty {
				p = nil
			}
			c.setModel(t, p, mixed || base.content == contentMixed)
		case "restriction":
			c.setModel(t, own, mixed)
		default:
			return schemaErr(k, "unexpected xs:%s in xs:complexContent", k.name.Local)
		}
		return c.attributes(t, k)
	}
	return schemaErr(cc, "empty xs:complexContent")
}

func occurs(n *node) (int, int, error) {
	min, max := 1, 1
	if v, ok := n.attr("minOccurs"); ok {
		i, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || i < 0 {
			return 0, 0, schemaErr(n, "bad minOccurs %q", v)
		}
		min = i
	}
	if v, ok := n.attr("maxOccurs"); ok {
		if strings.TrimSpace(v) == "unbounded" {
			max = unbounded
		} else {
			i, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || i < 0 {
				return 0, 0, schemaErr(n, "bad maxOccurs %q", v)
			}
			max = i
		}
	}
	return min, max, nil
}

// particleFrom compiles xs:element, xs:any, xs:sequence, xs:choice and
// xs:group references.
func (c *compiler) particleFrom(n *node) (*particle, error) {
	min, max, err := occurs(n)
	if err != nil {
		return nil, err
	}
	p := &particle{min: min, max: max}
	switch n.name.Local {
	case "element":
		if ref, ok := n.attr("ref"); ok {
			qn, err := n.qname(ref)
			if err != nil {
				return nil, schemaErr(n, "%v", err)
			}
			if p.elem, err = c.globalElement(qn, n); err != nil {
				return nil, err
			}
			return p, nil
		}
		name, ok := n.attr("name")
		if !ok {
			return nil, schemaErr(n, "xs:element needs a name or a ref")
		}
		qual := c.elemQual
		if f, ok := n.attr("form"); ok {
			qual = f == "qualified"
		}
		d := &elementDecl{name: xml.Name{Local: name}}
		if qual {
			d.name.Space = c.target
		}
		if err := c.fillElement(d, n); err != nil {
			return nil, err
		}
		p.elem = d
	case "any":
		w, err := c.wildcardFrom(n)
		if err != nil {
			return nil, err
		}
		p.wild = w
	case "sequence", "choice":
		p.seq = n.name.Local == "sequence"
		for _, k := range n.children {
			kp, err := c.particleFrom(k)
			if err != nil {
				return nil, err
			}
			p.kids = append(p.kids, kp)
		}
	case "group":
		ref, ok := n.attr("ref")
		if !ok {
			return nil, schemaErr(n, "local xs:group needs a ref")
		}
		qn, err := n.qname(ref)
		if err != nil {
			return nil, schemaErr(n, "%v", err)
		}
		g, err := c.group(qn, n)
		if err != nil {
			return nil, err
		}
		p.seq, p.kids = true, []*particle{g}
	case "all":
		return nil, schemaErr(n, "xs:all is not supported")
	default:
		return nil, schemaErr(n, "unexpected xs:%s in a content model", n.name.Local)
	}
	return p, nil
}

func (c *compiler) group(qn xml.Name, at *node) (*particle, error) {
	if g, ok := c.groups[qn]; ok {
		return g, nil
	}
	n, ok := c.rawGroups[qn]
	if !ok {
		return nil, schemaErr(at, "no group %s", fmtName(qn))
	}
	if c.inGroup[qn] {
		return nil, schemaErr(at, "group %s contains itself", qn.Local)
	}
	c.inGroup[qn] = true
	defer delete(c.inGroup, qn)
	if len(n.children) != 1 {
		return nil, schemaErr(n, "xs:group %s must hold one sequence or choice", qn.Local)
	}
	g, err := c.particleFrom(n.children[0])
	if err != nil {
		return nil, err
	}
	c.groups[qn] = g
	return g, nil
}

func (c *compiler) wildcardFrom(n *node) (*wildcard, error) {
	w := &wildcard{}
	switch pc := n.attrs["processContents"]; pc {
	case "", "strict":
		w.process = processStrict
	case "lax":
		w.process = processLax
	case "skip":
		w.process = processSkip
	default:
		return nil, schemaErr(n, "bad processContents %q", pc)
	}
	ns, ok := n.attr("namespace")
	if !ok {
		ns = "##any"
	}
	switch strings.TrimSpace(ns) {
	case "##any":
		w.any = true
		w.describe = "any element"
	case "##other":
		w.not = []string{c.target, ""}
		w.describe = "an element from another namespace than " + c.target
	default:
		w.allow = map[string]bool{}
		var names []string
		for _, u := range strings.Fields(ns) {
			switch u {
			case "##targetNamespace":
				u = c.target
			case "##local":
				u = ""
			}
			w.allow[u] = true
			if u == "" {
				u = "(no namespace)"
			}
			names = append(names, u)
		}
		w.describe = "an element in " + strings.Join(names, " or ")
	}
	return w, nil
}

// attributes adds the xs:attribute, xs:attributeGroup and xs:anyAttribute
// children of n to t. A later declaration of the same name replaces an
// inherited one; use="prohibited" removes it.
func (c *compiler) attributes(t *typeDef, n *node) error {
	uses, anyAttr, err := c.attrList(n, nil, t.anyAttr)
	if err != nil {
		return err
	}
	t.anyAttr = anyAttr
	for _, u := range uses {
		replaced := false
		for i, old := range t.attrs {
			if old.name == u.name {
				t.attrs[i] = u
				replaced = true
			}
		}
		if !replaced {
			t.attrs = append(t.attrs, u)
		}
	}
	kept := t.attrs[:0]
	for _, u := range t.attrs {
		if u.typ != nil {
			kept = append(kept, u)
		}
	}
	t.attrs = kept
	return nil
}

// attrList collects attribute uses; a prohibited use has a nil typ.
func (c *compiler) attrList(n *node, uses []*attrUse, anyAttr *wildcard) ([]*attrUse, *wildcard, error) {
	for _, k := range n.children {
		switch k.name.Local {
		case "attribute":
			u, err := c.attrUse(k)
			if err != nil {
				return nil, nil, err
			}
			uses = append(uses, u)
		case "attributeGroup":
			ref, ok := k.attr("ref")
			if !ok {
				return nil, nil, schemaErr(k, "local xs:attributeGroup needs a ref")
			}
			qn, err := k.qname(ref)
			if err != nil {
				return nil, nil, schemaErr(k, "%v", err)
			}
			if uses, anyAttr, err = c.attrGroup(qn, k, uses, anyAttr); err != nil {
				return nil, nil, err
			}
		case "anyAttribute":
			w, err := c.wildcardFrom(k)
			if err != nil {
				return nil, nil, err
			}
			w.describe = strings.Replace(w.describe, "element", "attribute", 1)
			anyAttr = w
		}
	}
	return uses, anyAttr, nil
}

func (c *compiler) attrGroup(qn xml.Name, at *node, uses []*attrUse, anyAttr *wildcard) ([]*attrUse, *wildcard, error) {
	n, ok := c.rawAttrGroups[qn]
	if !ok {
		return nil, nil, schemaErr(at, "no attributeGroup %s", fmtName(qn))
	}
	if c.inAttrGp[qn] {
		return nil, nil, schemaErr(at, "attributeGroup %s contains itself", qn.Local)
	}
	c.inAttrGp[qn] = true
	defer delete(c.inAttrGp, qn)
	return c.attrList(n, uses, anyAttr)
}

func (c *compiler) attrUse(k *node) (*attrUse, error) {
	u := &attrUse{}
	decl := k
	if ref, ok := k.attr("ref"); ok {
		qn, err := k.qname(ref)
		if err != nil {
			return nil, schemaErr(k, "%v", err)
		}
		g, ok := c.rawAttrs[qn]
		if !ok {
			if qn.Space == "http://www.w3.org/XML/1998/namespace" {
				u.name = qn
				u.typ = builtinSimple("string")
				u.required = k.attrs["use"] == "required"
				return u, nil
			}
			return nil, schemaErr(k, "no global attribute %s", fmtName(qn))
		}
		u.name = qn
		decl = g
	} else {
		name, ok := k.attr("name")
		if !ok {
			return nil, schemaErr(k, "xs:attribute needs a name or a ref")
		}
		u.name.Local = name
		qual := c.attrQual
		if f, ok := k.attr("form"); ok {
			qual = f == "qualified"
		}
		if qual {
			u.name.Space = c.target
		}
	}
	switch use := k.attrs["use"]; use {
	case "", "optional":
	case "required":
		u.required = true
	case "prohibited":
		return u, nil // nil typ marks removal
	default:
		return nil, schemaErr(k, "bad use %q", use)
	}
	if v, ok := k.attr("fixed"); ok {
		u.fixed = &v
	} else if v, ok := decl.attr("fixed"); ok {
		u.fixed = &v
	}
	if tn, ok := decl.attr("type"); ok {
		qn, err := decl.qname(tn)
		if err != nil {
			return nil, schemaErr(decl, "%v", err)
		}
		if u.typ, err = c.simpleByName(qn, decl); err != nil {
			return nil, err
		}
	}
	for _, kk := range decl.children {
		if kk.name.Local == "simpleType" {
			st, err := c.simpleFrom(kk, xml.Name{})
			if err != nil {
				return nil, err
			}
			u.typ = st
		}
	}
	if u.typ == nil {
		u.typ = builtinSimple("anySimpleType")
	}
	return u, nil
}
