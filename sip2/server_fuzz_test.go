package sip2

import (
	"bufio"
	"bytes"
	"os"
	"strings"
	"testing"
)

// seedVectors adds every raw message of the shared vector file, plus a few
// of our own, to the corpus.
func seedVectors(f *testing.F) {
	f.Add([]byte("9300CNuser_id|COpassw0rd|AY1AZF594"))
	f.Add([]byte("9300CNuser_id|COpassw0rd|AY1AZF595"))
	f.Add([]byte("9300CNuser_id|COpassword|AZF620"))
	f.Add([]byte("97AZFEF5"))
	f.Add([]byte("11YN20060329    203000                  AOUWOLS|AAdjfiander|AB1565921879|AC|AY2AZECB6"))
	f.Add([]byte("9920102.00|AY1AZFC29"))
	// Trailers with no "|" before AY (see bareTrailer).
	f.Add([]byte("9300CNuser|COpassAY2AZF8B8"))
	f.Add([]byte("9300CNuser|COpassAY2AZf8b8"))
	f.Add([]byte("9300CNuser|COpassAY2AZ0000"))
	f.Add([]byte("9900302.0AY1AZ0000"))
	for _, path := range []string{"testdata/vectors.tsv", "../../shared/sip2/vectors.tsv", "/work/shared/sip2/vectors.tsv"} {
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			cols := strings.Split(sc.Text(), "\t")
			if len(cols) >= 3 && cols[2] != "raw_message" {
				f.Add([]byte(cols[2]))
			}
		}
		return
	}
}

// FuzzSplitErrorDetection checks the server's fast AY/AZ check against the
// codec's: both must agree on what is a valid, an invalid and an absent
// checksum, or the server would execute what the codec calls corrupt.
func FuzzSplitErrorDetection(f *testing.F) {
	seedVectors(f)
	f.Fuzz(func(t *testing.T, msg []byte) {
		if bytes.ContainsAny(msg, "\r\n\x00") {
			return
		}
		tail, ed, ok := splitErrorDetection(msg)
		fr, err := ParseFrame(msg, nil)
		if fr == nil {
			if err == nil {
				t.Fatalf("ParseFrame(%q): no frame and no error", msg)
			}
			return
		}
		switch fr.Verdict {
		case ChecksumAbsent:
			if ed {
				t.Errorf("%q: codec sees no checksum, server does", msg)
			}
		case ChecksumInvalid:
			if ed && ok {
				t.Errorf("%q: codec says the checksum is wrong, server accepts it", msg)
			}
		case ChecksumValid:
			if !ed {
				t.Errorf("%q: codec sees a valid checksum, server sees none", msg)
			}
			if fr.Seq > 9 {
				if ok {
					t.Errorf("%q: multi-digit AY accepted", msg)
				}
				return
			}
			if !ok {
				t.Errorf("%q: codec accepts the checksum, server does not", msg)
			}
			if (fr.Seq >= 0) != tail.hasSeq || (tail.hasSeq && int(tail.seq-'0') != fr.Seq) {
				t.Errorf("%q: sequence %v/%c, codec %d", msg, tail.hasSeq, tail.seq, fr.Seq)
			}
		}
	})
}

// FuzzRedact checks that a secret field never survives masking, whatever
// precedes it.
func FuzzRedact(f *testing.F) {
	f.Add([]byte("11YN20060329    203000                  AOUWOLS|AAdjfiander|AB1565921879"), "6789", "AD")
	f.Add([]byte("9300CNuser"), "passw0rd", "CO")
	f.Add([]byte("11YN"), "pin1", "AC")
	f.Add([]byte("XX"), "pin1", "AD")
	f.Fuzz(func(t *testing.T, prefix []byte, secret, id string) {
		if len(secret) < 4 || strings.ContainsAny(secret, "|*") || !IsSecretField(id) || bytes.Contains(prefix, []byte(secret)) {
			return
		}
		msg := append(append([]byte{}, prefix...), "|"+id+secret+"|"...)
		out := appendRedacted(nil, msg)
		// The secret may reappear only by overlapping the masked field's
		// neighbours, which the prefix check above excludes.
		if bytes.Contains(out, []byte(secret)) && !bytes.Contains(out[:min(len(out), len(prefix))], []byte(secret)) {
			t.Errorf("secret %q survives in %q", secret, out)
		}
	})
}
