package residency

import (
	"slices"
	"testing"

	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

func TestCheckBlob(t *testing.T) {
	azure := Policy{Allowed: []string{"uksouth", "ukwest"}, Account: "bwvclips", Region: "UK South", BlobEndpoint: "https://bwvclips.blob.core.windows.net/"}
	local := Policy{Allowed: []string{"uksouth"}, Account: "devstoreaccount1", Region: "uksouth", BlobEndpoint: "http://127.0.0.1:10000/devstoreaccount1"}
	tests := []struct {
		name    string
		p       Policy
		account string
		url     string
		want    clip.Code
	}{
		{"azure ok", azure, "bwvclips", "https://bwvclips.blob.core.windows.net/uploads/a.mp4", ""},
		{"azure account case", azure, "BWVCLIPS", "https://bwvclips.blob.core.windows.net/uploads/a.mp4", ""},
		{"other account", azure, "evilclips", "https://evilclips.blob.core.windows.net/uploads/a.mp4", clip.CodeResidencyAccount},
		{"url of another host", azure, "bwvclips", "https://evilclips.blob.core.windows.net/uploads/a.mp4", clip.CodeResidencyURL},
		{"url garbage", azure, "bwvclips", "::", clip.CodeResidencyURL},
		{"region not allowed", Policy{Allowed: []string{"uksouth"}, Account: "a", Region: "westeurope", BlobEndpoint: "https://a.blob.core.windows.net"}, "a", "https://a.blob.core.windows.net/uploads/x", clip.CodeResidencyRegion},
		{"azurite ok", local, "devstoreaccount1", "http://127.0.0.1:10000/devstoreaccount1/uploads/x.mp4", ""},
		{"azurite other account path", local, "devstoreaccount1", "http://127.0.0.1:10000/devstoreaccount2/uploads/x.mp4", clip.CodeResidencyURL},
		{"unconfigured", Policy{Allowed: []string{"uksouth"}}, "", "http://x/y", clip.CodeResidencyAccount},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.CheckBlob(tt.account, tt.url)
			if got := clip.CodeOf(err); got != tt.want {
				t.Fatalf("code %q want %q (%v)", got, tt.want, err)
			}
			if err != nil && clip.KindOf(err) != clip.Refused {
				t.Fatalf("kind %v", clip.KindOf(err))
			}
		})
	}
}

func TestCheckAccountRegions(t *testing.T) {
	p := Policy{Allowed: []string{"uksouth", "ukwest"}}
	if err := p.CheckAccountRegions("cosmos", []string{"UK South", "UK West"}); err != nil {
		t.Fatal(err)
	}
	if err := p.CheckAccountRegions("cosmos", []string{"UK South", "North Europe"}); clip.CodeOf(err) != clip.CodeCosmosRegionNotUK {
		t.Fatalf("got %v", err)
	}
	if err := p.CheckAccountRegions("cosmos", nil); err == nil {
		t.Fatal("no regions must not pass")
	}
}

func TestUKPair(t *testing.T) {
	for in, want := range map[string]string{"uksouth": "ukwest", "UK West": "uksouth", "uk-south": "ukwest"} {
		if got, ok := UKPair(in); !ok || got != want {
			t.Errorf("UKPair(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"westeurope", "northeurope", ""} {
		if got, ok := UKPair(in); ok {
			t.Errorf("UKPair(%q) = %q, true; a non-UK region has no UK pair", in, got)
		}
	}
	// Every UK region is paired with another UK region: geo-redundancy from
	// the UK stays in the UK.
	for _, r := range UKRegions {
		p, ok := UKPair(r)
		if !ok || !slices.Contains(UKRegions, p) || p == r {
			t.Errorf("UKPair(%q) = %q, %v: want the other UK region", r, p, ok)
		}
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{"UK South": "uksouth", "ukwest": "ukwest", " West Europe ": "westeurope", "uk-south": "uksouth", "UK_West": "ukwest"} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}
