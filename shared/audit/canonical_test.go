package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// goldenInputs are the entries behind both golden files (testdata): plain
// ASCII, JSON/HTML-escaped characters, non-ASCII, a line break, U+2028,
// details in non-sorted order, a zero time and an empty (non-nil) map.
func goldenInputs(at clip.Time) []Entry {
	return []Entry{
		{Action: ActionReceived, Key: "ingest:\"0x8DC1\"", Actor: "system:ClipIngest", At: at},
		{Action: ActionReclassified, Key: "manage:reclassify:0x8DC2", Actor: "PC <AB1234> & co", ActorAuthenticated: true, Justification: "Crime ref 12/3456 — café, line1\nline2 \u2028 \"q\"", At: clip.At(at.Add(90 * time.Minute)), Details: map[string]string{"to": "evidential", "from": "uncategorised", "é": "ü"}},
		{Action: ActionHoldSet, Key: "manage:hold", Actor: "", At: clip.Time{}, Details: map[string]string{}},
	}
}

// golden is one test vector: an entry as stored in Cosmos, the exact bytes
// its form hashes, and the expected hash.
type golden struct {
	Entry     json.RawMessage `json:"entry"`
	Canonical string          `json:"canonical"`
	Hash      string          `json:"hash"`
}

func loadGolden(t *testing.T, name string) ([]Entry, []golden) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var gs []golden
	if err := json.Unmarshal(b, &gs); err != nil {
		t.Fatal(err)
	}
	es := make([]Entry, len(gs))
	for i, g := range gs {
		if err := json.Unmarshal(g.Entry, &es[i]); err != nil {
			t.Fatal(err)
		}
	}
	return es, gs
}

func goldenAt() clip.Time { return clip.At(time.Date(2026, 3, 1, 14, 5, 0, 123_000_000, time.UTC)) }

func checkGolden(t *testing.T, name string, form int) []Entry {
	t.Helper()
	es, gs := loadGolden(t, name)
	for i, e := range es {
		if e.HashForm != form {
			t.Fatalf("%s[%d]: hashForm %d, want %d", name, i, e.HashForm, form)
		}
		c, err := Canonical(e)
		if err != nil {
			t.Fatal(err)
		}
		if string(c) != gs[i].Canonical {
			t.Errorf("%s[%d]: canonical bytes changed\n got %q\nwant %q", name, i, c, gs[i].Canonical)
		}
		sum := sha256.Sum256([]byte(gs[i].Canonical))
		if hex.EncodeToString(sum[:]) != gs[i].Hash {
			t.Errorf("%s[%d]: golden hash is not SHA-256 of the golden canonical bytes", name, i)
		}
		if got := Hash(e); got != gs[i].Hash || e.Hash != gs[i].Hash {
			t.Errorf("%s[%d]: hash %s (stored %s), want %s", name, i, got, e.Hash, gs[i].Hash)
		}
	}
	if err := Verify(es[0].ClipID, es, Head(es[len(es)-1])); err != nil {
		t.Fatalf("%s: golden chain does not verify: %v", name, err)
	}
	return es
}

// Entries written before hash forms existed (no hashForm in Cosmos) keep
// verifying: the vectors were produced by the code of commit f2db6a0.
func TestGoldenLegacyForm0(t *testing.T) { checkGolden(t, "legacy-form0.json", FormLegacy) }

// Form 1 is pinned by its exact bytes, so a field added to Entry later (or a
// change to clip.TimeLayout or encoding/json) cannot change a form-1 hash
// without this test failing.
func TestGoldenV1(t *testing.T) { checkGolden(t, "v1-form1.json", FormV1) }

// Next seals new entries in form 1, exactly as the golden file records.
func TestNextWritesV1(t *testing.T) {
	want, _ := loadGolden(t, "v1-form1.json")
	var head clip.AuditHead
	for i, in := range goldenInputs(goldenAt()) {
		got := Next("c0f3a9", head, in)
		head = Head(got)
		if got.HashForm != FormV1 || got.Hash != want[i].Hash {
			t.Fatalf("entry %d: form %d hash %s, want form 1 hash %s", i+1, got.HashForm, got.Hash, want[i].Hash)
		}
	}
}

// Every Entry field is either hashed by form 1 or explicitly not. A new
// field fails here until it is classified: listing it as not hashed keeps
// form 1; hashing it needs form 2 (form 1's bytes are frozen).
func TestEntryFieldsClassified(t *testing.T) {
	hashedV1 := []string{"ID", "ClipID", "Type", "Seq", "Action", "Key", "Actor", "ActorAuthenticated", "Justification", "At", "Details", "PrevHash"}
	notHashed := []string{"Hash", "HashForm"} // HashForm is the tag line
	typ := reflect.TypeFor[Entry]()
	for i := range typ.NumField() {
		name := typ.Field(i).Name
		if !slices.Contains(hashedV1, name) && !slices.Contains(notHashed, name) {
			t.Errorf("Entry.%s is not classified: add it to notHashed (form 1 leaves it unprotected) or define form 2 to hash it", name)
		}
	}
}

// Changing any hashed field, or the form, changes the hash and breaks the
// chain at that entry — in both forms.
func TestEveryHashedFieldChangesHash(t *testing.T) {
	edits := map[string]func(*Entry){
		"id":                 func(e *Entry) { e.ID += "x" },
		"clipId":             func(e *Entry) { e.ClipID += "x" },
		"type":               func(e *Entry) { e.Type = "nameclaim" },
		"seq":                func(e *Entry) { e.Seq++ },
		"action":             func(e *Entry) { e.Action = ActionDeleted },
		"key":                func(e *Entry) { e.Key += "x" },
		"actor":              func(e *Entry) { e.Actor = "mallory" },
		"actorAuthenticated": func(e *Entry) { e.ActorAuthenticated = !e.ActorAuthenticated },
		"justification":      func(e *Entry) { e.Justification += " " },
		"at":                 func(e *Entry) { e.At = clip.At(e.At.Add(time.Millisecond)) },
		"details value":      func(e *Entry) { e.Details = map[string]string{"from": "uncategorised", "to": "evidential", "é": "u"} },
		"details key":        func(e *Entry) { e.Details = map[string]string{"from": "uncategorised", "to": "evidential", "e": "ü"} },
		"details removed":    func(e *Entry) { e.Details = map[string]string{"from": "uncategorised", "to": "evidential"} },
		"prevHash":           func(e *Entry) { e.PrevHash = strings.Repeat("0", 64) },
		"hashForm":           func(e *Entry) { e.HashForm = FormV1 - e.HashForm },
	}
	for _, file := range []string{"legacy-form0.json", "v1-form1.json"} {
		for name, edit := range edits {
			t.Run(file+"/"+name, func(t *testing.T) {
				es, _ := loadGolden(t, file)
				head := Head(es[2])
				e := &es[1] // the entry with details and a prevHash
				before := Hash(*e)
				edit(e)
				if Hash(*e) == before {
					t.Fatalf("editing %s left the hash unchanged", name)
				}
				var bl *BrokenLink
				if err := Verify("c0f3a9", es, head); !errors.As(err, &bl) || bl.Seq != 2 {
					t.Fatalf("want a broken link at 2, got %v", err)
				}
			})
		}
	}
}

// nil and empty details are the same value in both forms (docs/schema.md).
func TestNilAndEmptyDetailsHashAlike(t *testing.T) {
	for _, form := range []int{FormLegacy, FormV1} {
		e := Entry{ID: "c:000001", ClipID: "c", Seq: 1, At: goldenAt(), HashForm: form}
		a := Hash(e)
		e.Details = map[string]string{}
		if Hash(e) != a {
			t.Fatalf("form %d: empty details hash differently from nil", form)
		}
	}
}

// Length prefixes make field boundaries unambiguous: moving bytes from one
// field into another changes the encoding.
func TestV1FieldBoundariesUnambiguous(t *testing.T) {
	a := Entry{HashForm: FormV1, Actor: "a", Justification: "b"}
	b := Entry{HashForm: FormV1, Actor: "a\njustification:1:b", Justification: ""}
	c := Entry{HashForm: FormV1, Details: map[string]string{"k": "v:1:x"}}
	d := Entry{HashForm: FormV1, Details: map[string]string{"k": "v", "x": ""}}
	if Hash(a) == Hash(b) || Hash(c) == Hash(d) {
		t.Fatal("different entries share a form-1 encoding")
	}
}

// A chain written before the switch (legacy entries) and continued after it
// (form-1 entries) verifies, and tampering on either side is still caught.
func TestMixedLegacyThenV1ChainVerifies(t *testing.T) {
	legacy, _ := loadGolden(t, "legacy-form0.json")
	build := func() ([]Entry, clip.AuditHead) {
		es := slices.Clone(legacy)
		head := Head(es[len(es)-1])
		for i, a := range []string{ActionHoldCleared, ActionDeleted} {
			e := Next("c0f3a9", head, Entry{Action: a, Key: "k" + strconv.Itoa(i), Actor: "system", At: goldenAt()})
			if e.HashForm != FormV1 {
				t.Fatalf("new entry written in form %d", e.HashForm)
			}
			es = append(es, e)
			head = Head(e)
		}
		return es, head
	}
	es, head := build()
	if err := Verify("c0f3a9", es, head); err != nil {
		t.Fatalf("mixed chain: %v", err)
	}
	for _, seq := range []int{2, 4} {
		es, head := build()
		es[seq-1].Justification = "edited"
		var bl *BrokenLink
		if err := Verify("c0f3a9", es, head); !errors.As(err, &bl) || bl.Seq != seq {
			t.Fatalf("edit at %d: want a broken link there, got %v", seq, err)
		}
	}
	// Relabelling a form-1 entry as legacy does not verify.
	es, head = build()
	es[3].HashForm = FormLegacy
	if err := Verify("c0f3a9", es, head); err == nil {
		t.Fatal("a form-1 entry relabelled as legacy verified")
	}
}

func TestUnknownFormNamed(t *testing.T) {
	es, head := chain(2)
	es[1].HashForm = 7
	if _, err := Canonical(es[1]); err == nil {
		t.Fatal("Canonical accepted form 7")
	}
	var bl *BrokenLink
	if err := Verify("c1", es, head); !errors.As(err, &bl) || bl.Seq != 2 || !strings.Contains(bl.Reason, "unknown hash form 7") {
		t.Fatalf("want broken link at 2 naming the form, got %v", err)
	}
}

// hashForm is stored with form-1 entries and absent on legacy ones, so a
// legacy entry read and written back is byte-identical in the fields hashed.
func TestHashFormStored(t *testing.T) {
	es, _ := chain(1)
	b, _ := json.Marshal(es[0])
	if !strings.Contains(string(b), `"hashForm":1`) {
		t.Fatalf("form-1 entry stored without hashForm: %s", b)
	}
	legacy, _ := loadGolden(t, "legacy-form0.json")
	b, _ = json.Marshal(legacy[0])
	if strings.Contains(string(b), "hashForm") {
		t.Fatalf("legacy entry gained a hashForm: %s", b)
	}
}
