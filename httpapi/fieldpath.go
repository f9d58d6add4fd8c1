package httpapi

import (
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// unknownFieldPath finds where in body the unknown field name stands, as
// a path such as "pickup.zip" or "riders[1].nickname", by walking the body
// alongside the type it was decoded into. encoding/json names only the
// field itself. It returns name when it cannot tell.
func unknownFieldPath(body []byte, into any, name string) string {
	var doc any
	if json.Unmarshal(body, &doc) != nil {
		return name
	}
	if p, ok := findUnknown(doc, reflect.TypeOf(into), name, ""); ok {
		return p
	}
	return name
}

func findUnknown(v any, t reflect.Type, name, path string) (string, bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch x := v.(type) {
	case map[string]any:
		if t.Kind() != reflect.Struct {
			return "", false
		}
		fields := jsonFields(t)
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			ft, ok := fields[strings.ToLower(k)]
			if !ok {
				if k == name {
					return p, true
				}
				continue
			}
			if r, ok := findUnknown(x[k], ft, name, p); ok {
				return r, true
			}
		}
	case []any:
		if t.Kind() != reflect.Slice && t.Kind() != reflect.Array {
			return "", false
		}
		for i, e := range x {
			if r, ok := findUnknown(e, t.Elem(), name, path+"["+strconv.Itoa(i)+"]"); ok {
				return r, true
			}
		}
	}
	return "", false
}

// jsonFields maps the lower-cased JSON names of t's fields, embedded
// structs included, to their types (encoding/json matches names without
// regard to case).
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		n, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && n == "" {
			et := f.Type
			for et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				for k, v := range jsonFields(et) {
					out[k] = v
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if n == "" {
			n = f.Name
		}
		out[strings.ToLower(n)] = f.Type
	}
	return out
}
