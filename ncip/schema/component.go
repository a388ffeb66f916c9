package schema

import "encoding/xml"

// An elementDecl is a global or local element declaration.
type elementDecl struct {
	name     xml.Name
	typ      *typeDef
	fixed    *string // value constraint; nil when there is none
	nillable bool
	abstract bool
}

// contentKind says what may appear between an element's tags.
type contentKind int

const (
	contentEmpty       contentKind = iota // nothing but whitespace
	contentSimple                         // text, checked against typeDef.simple
	contentElementOnly                    // child elements; text must be whitespace
	contentMixed                          // child elements and text
)

// A typeDef is a simple or complex type definition. For simple types only
// simple is set; complex types with simple content set both.
type typeDef struct {
	name    xml.Name // zero for anonymous types
	complex bool
	simple  *simpleType // value rules for simple types and simple content

	content  contentKind
	model    *automaton // element content; nil when content is simple
	particle *particle  // the content model before compilation
	attrs    []*attrUse
	anyAttr  *wildcard

	// anyType marks xs:anyType: any attributes, any children, laxly assessed.
	anyType bool

	// base is the type this one derives from, for xsi:type checks.
	base *typeDef

	// resolving guards against circular derivation while compiling.
	resolving bool
}

// An attrUse is one attribute a complex type allows.
type attrUse struct {
	name     xml.Name
	typ      *simpleType
	required bool
	fixed    *string
}

// processContents is how a wildcard's matches are assessed.
type processContents int

const (
	processStrict processContents = iota // must have a global declaration
	processLax                           // validated if declared, else its children are assessed laxly
	processSkip                          // not assessed at all
)

// A wildcard is xs:any or xs:anyAttribute.
type wildcard struct {
	any      bool            // ##any
	not      []string        // ##other: namespaces excluded (the target and absent)
	allow    map[string]bool // explicit list (with ##targetNamespace, ##local resolved)
	process  processContents
	describe string // for error messages
}

func (w *wildcard) matches(ns string) bool {
	switch {
	case w.any:
		return true
	case w.not != nil:
		for _, n := range w.not {
			if n == ns {
				return false
			}
		}
		return true
	default:
		return w.allow[ns]
	}
}
