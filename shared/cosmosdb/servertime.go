package cosmosdb

import (
	"context"
	"net/http"
	"time"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// ServerTime returns the time Cosmos DB says it is: the Date header of a
// read of the clips container's properties (one cheap metadata read). The
// retention sweep compares it with its own clock before it deletes
// anything, so a host clock running days fast cannot make clips due early.
// The header has one-second resolution.
func (s *Store) ServerTime(ctx context.Context) (time.Time, error) {
	resp, err := s.clips.Read(ctx, nil)
	if err != nil {
		return time.Time{}, classify(err, "reading the clips container for the server's time")
	}
	if resp.RawResponse == nil {
		return time.Time{}, clip.Errorf(clip.Internal, "", "reading the clips container for the server's time: no HTTP response")
	}
	date := resp.RawResponse.Header.Get("Date")
	if date == "" {
		return time.Time{}, clip.Errorf(clip.Internal, "", "Cosmos DB answered the clips container read without a Date header")
	}
	t, err := http.ParseTime(date)
	if err != nil {
		return time.Time{}, clip.Wrap(clip.Internal, err, "Cosmos DB's Date header %q", date)
	}
	return t.UTC(), nil
}
