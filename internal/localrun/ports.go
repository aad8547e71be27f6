package localrun

import (
	"fmt"
	"net"
	"sort"
	"strings"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
)

// CheckPortsFree tries to listen on 127.0.0.1:port for every named port
// (0 = picked at start, not checked) and fails with CodePortInUse naming
// every taken one, so a person sees the whole problem at once instead of a
// half-started pipeline.
func CheckPortsFree(ports map[string]int) error {
	var busy []string
	names := make([]string, 0, len(ports))
	for n := range ports {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return ports[names[i]] < ports[names[j]] })
	for _, name := range names {
		p := ports[name]
		if p == 0 {
			continue
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			busy = append(busy, fmt.Sprintf("%d (%s)", p, name))
			continue
		}
		l.Close()
	}
	if len(busy) > 0 {
		return reason.Errorf(CodePortInUse, nil,
			"port %s already in use on 127.0.0.1 — is another `make run`, Azurite, a Cosmos emulator or `func start` running? Stop it, or choose other ports with the --*-port flags",
			strings.Join(busy, ", "))
	}
	return nil
}
