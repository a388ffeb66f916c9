package config

import "reflect"

type reflectType = reflect.Type

func configType() reflect.Type { return reflect.TypeOf(Config{}) }

// elemStruct returns the struct type under pointers, slices and maps, or
// nil when there is none (durations are scalars).
func elemStruct(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t == durationType {
		return emptyStruct
	}
	return t
}

var emptyStruct = reflect.TypeOf(struct{}{})
