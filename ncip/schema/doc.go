// Package schema validates XML documents against an XML Schema (XSD 1.0)
// in pure Go, so that NCIP peers can be checked without libxml2.
//
// NCIP returns the official NCIP 2.02 schema (ncip_v2_02.xsd, namespace
// http://www.niso.org/2008/ncip), embedded in the package and compiled
// from the XSD itself on first use. Parse compiles any other
// self-contained schema that keeps to the supported subset:
//
//   - global and local elements, element ref=, minOccurs/maxOccurs
//     (including unbounded), elementFormDefault and form=
//   - named and anonymous complex types; sequence, choice and group ref=,
//     nested freely; mixed content; simpleContent and complexContent
//     extension and restriction
//   - xs:any and xs:anyAttribute with namespace= and processContents=
//   - attributes (required, optional, prohibited, fixed), global attribute
//     ref=, attributeGroup, attributeFormDefault and form=
//   - simple types by restriction, list and union, with the facets
//     enumeration, pattern, length, minLength, maxLength, whiteSpace,
//     min/maxInclusive, min/maxExclusive, totalDigits and fractionDigits
//   - the built-in types: string and its derivations, boolean, decimal and
//     the integer family, float, double, dateTime, date, time, the g* types,
//     duration, anyURI, QName, hexBinary and base64Binary
//
// xs:all, substitution groups, identity constraints (key, keyref, unique),
// xs:import and xs:include are refused when the schema is parsed.
//
// Content models are compiled into deterministic automata (Thompson
// construction over the particles, then subset construction), so choices
// inside sequences with occurrence bounds are matched exactly and in
// linear time. A Schema is immutable and safe for concurrent use.
//
// Where libxml2 (xmllint) departs from the XSD recommendation, the package
// follows libxml2, so that its verdicts match the reference tool NCIP
// implementers use: leading whitespace is refused in date and time values,
// and 24:00:00 is accepted as a time of day.
//
// Validation reports the first problem as a *ValidationError with the
// element's path, line and column, and what was expected. Documents with a
// DOCTYPE are refused, so no entity is ever expanded. Error messages never
// quote element text or attribute values, which in NCIP include PINs.
package schema
