package localrun

import (
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
)

func TestCheckPortsFreeNamesEveryTakenPort(t *testing.T) {
	var held []net.Listener
	for range 2 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, l)
		defer l.Close()
	}
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	freePort := free.Addr().(*net.TCPAddr).Port
	free.Close()
	port := func(l net.Listener) int { return l.Addr().(*net.TCPAddr).Port }

	err = CheckPortsFree(map[string]int{"Azurite blob": port(held[0]), "Cosmos": port(held[1]), "Functions host": freePort, "picked later": 0})
	if reason.CodeOf(err) != CodePortInUse {
		t.Fatalf("err %v, want %s", err, CodePortInUse)
	}
	for _, want := range []string{strconv.Itoa(port(held[0])) + " (Azurite blob)", strconv.Itoa(port(held[1])) + " (Cosmos)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not name %s", err, want)
		}
	}
	if strings.Contains(err.Error(), "Functions host") {
		t.Errorf("%q names a free port", err)
	}
	if err := CheckPortsFree(map[string]int{"Functions host": freePort, "any": 0}); err != nil {
		t.Errorf("free ports refused: %v", err)
	}
}
