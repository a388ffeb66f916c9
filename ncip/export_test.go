package ncip

// Both decoding paths, for the differential tests.
var (
	FastUnmarshal = fastUnmarshal
	StdUnmarshal  = stdUnmarshal
	ToUTF8        = toUTF8
)
