package ncip_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/lockergate/lockergate/ncip"
)

type example struct {
	name string
	data []byte
}

// examplesDir holds the shared examples with RESULTS.tsv; package schema
// owns the copy, which its tests and `ncip validate`'s use too.
const examplesDir = "schema/testdata/examples"

func examples(t testing.TB) []example {
	t.Helper()
	files, err := filepath.Glob(examplesDir + "/*.xml")
	if err != nil || len(files) < 55 {
		t.Fatalf("want the 55 shared examples in %s, found %d (%v)", examplesDir, len(files), err)
	}
	var out []example
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, example{filepath.Base(f), b})
	}
	return out
}

// TestExamplesParse decodes every shared example. Lenient parsing is
// separate from schema validity: all schema-invalid examples in
// RESULTS.tsv parse, except the NCIP 1 message, which is refused with a
// Problem naming the version.
func TestExamplesParse(t *testing.T) {
	for _, ex := range examples(t) {
		t.Run(ex.name, func(t *testing.T) {
			m, err := ncip.Unmarshal(ex.data)
			if ex.name == "kohancipserver_LookupUser_request_ncipv1.xml" {
				p, ok := err.(*ncip.Problem)
				if !ok || !p.Type.Is("Invalid Message Syntax Error") || !strings.Contains(p.Value, "v1_0") {
					t.Fatalf("Unmarshal(v1) = %v, %v; want an Invalid Message Syntax Error naming the v1 version", m, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			// The service named in the file name is what was decoded.
			parts := strings.Split(ex.name, "_")
			want := parts[1]
			if parts[2] == "response" || strings.HasPrefix(parts[2], "response") {
				want += "Response"
			}
			got := m.Service()
			switch {
			case want == "ProblemResponse" || want == "GeneralProcessingErrorResponse":
				want = "Problem"
			case ex.name == "vufind_RenewItem_response_toplevelproblem.xml":
				want = "Problem"
			case ex.name == "xctoolkit_AcceptItem_response2.xml":
				want = "AcceptItemResponse"
			}
			if got != want {
				t.Errorf("Service() = %q, want %q", got, want)
			}
		})
	}
}

// TestExamplesRoundTrip checks Unmarshal → Marshal → Unmarshal gives the
// same Message for every example.
func TestExamplesRoundTrip(t *testing.T) {
	for _, ex := range examples(t) {
		m1, err := ncip.Unmarshal(ex.data)
		if err != nil {
			continue
		}
		b, err := ncip.Marshal(m1)
		if err != nil {
			t.Fatalf("%s: Marshal: %v", ex.name, err)
		}
		m2, err := ncip.Unmarshal(b)
		if err != nil {
			t.Fatalf("%s: Unmarshal(Marshal) = %v\n%s", ex.name, err, b)
		}
		if m1.Version == "" {
			m1.Version = ncip.Version202 // Marshal's documented default
		}
		if !reflect.DeepEqual(m1, m2) {
			t.Errorf("%s: round trip differs:\nfirst  %+v\nsecond %+v", ex.name, m1, m2)
		}
	}
}

func TestSamplesRoundTrip(t *testing.T) {
	for name, m := range sampleMessages() {
		b, err := ncip.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ncip.Unmarshal(b)
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, b)
		}
		want := *m
		if want.Version == "" {
			want.Version = ncip.Version202
		}
		if !reflect.DeepEqual(got, &want) {
			t.Errorf("%s: round trip differs\n%s", name, b)
		}
	}
}
