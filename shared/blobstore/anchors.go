package blobstore

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"slices"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/bwv-ingest/bwv-ingest/shared/audit"
	"github.com/bwv-ingest/bwv-ingest/shared/clip"
)

// AnchorContainer is the container of audit anchors. In Azure, Terraform
// gives it a locked time-based immutability policy, so an anchor once
// written cannot be changed or deleted by anyone, this code included;
// Azurite cannot enforce such a policy, so locally only the create-only
// write below holds.
const AnchorContainer = "audit-anchors"

// maxAnchorSize bounds one anchor document read back (a million leaves is
// ~130 MB; an hour of changes is far less).
const maxAnchorSize = 256 << 20

// PutAnchor writes an anchor document create-only (If-None-Match: *): an
// existing blob of that name answers clip.Conflict and is left as it is.
func (s *Store) PutAnchor(ctx context.Context, containerName string, a audit.Anchor) error {
	body, err := json.MarshalIndent(a, "", " ")
	if err != nil {
		return clip.Wrap(clip.Internal, err, "encoding anchor %s", a.Name)
	}
	_, err = s.client.ServiceClient().NewContainerClient(containerName).NewBlockBlobClient(a.Name).UploadBuffer(ctx, body, &blockblob.UploadBufferOptions{
		HTTPHeaders:      &blob.HTTPHeaders{BlobContentType: to("application/json")},
		AccessConditions: &blob.AccessConditions{ModifiedAccessConditions: &blob.ModifiedAccessConditions{IfNoneMatch: to(azcore.ETagAny)}},
	})
	return classify(err, "writing anchor %s/%s", containerName, a.Name)
}

// AnchorNames lists the anchor blobs in chain order (their names sort so).
// A missing container holds no anchors.
func (s *Store) AnchorNames(ctx context.Context, containerName string) ([]string, error) {
	pager := s.client.ServiceClient().NewContainerClient(containerName).NewListBlobsFlatPager(&container.ListBlobsFlatOptions{})
	var names []string
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if bloberror.HasCode(err, bloberror.ContainerNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, classify(err, "listing anchors in %s", containerName)
		}
		for _, b := range page.Segment.BlobItems {
			if b.Name != nil && strings.HasSuffix(*b.Name, ".json") {
				names = append(names, *b.Name)
			}
		}
	}
	slices.Sort(names)
	return names, nil
}

// ReadAnchor reads one anchor document as stored. It does not check it
// (audit.Anchor.Check does).
func (s *Store) ReadAnchor(ctx context.Context, containerName, name string) (audit.Anchor, error) {
	r, err := s.client.ServiceClient().NewContainerClient(containerName).NewBlobClient(name).DownloadStream(ctx, nil)
	if err != nil {
		return audit.Anchor{}, classify(err, "reading anchor %s/%s", containerName, name)
	}
	defer r.Body.Close()
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, io.LimitReader(r.Body, maxAnchorSize+1)); err != nil {
		return audit.Anchor{}, classify(err, "reading anchor %s/%s", containerName, name)
	}
	if buf.Len() > maxAnchorSize {
		return audit.Anchor{}, clip.Errorf(clip.Internal, "", "anchor %s/%s is larger than %d bytes", containerName, name, maxAnchorSize)
	}
	var a audit.Anchor
	if err := json.Unmarshal(buf.Bytes(), &a); err != nil {
		return audit.Anchor{}, clip.Wrap(clip.Internal, err, "decoding anchor %s/%s", containerName, name)
	}
	return a, nil
}

// StoredAnchor is an anchor document and the name of the blob it is in.
type StoredAnchor struct {
	Blob   string
	Anchor audit.Anchor
}

// Anchors reads every anchor in chain order (bwv audit verify reads them
// all; an hourly chain is ~9,000 a year).
func (s *Store) Anchors(ctx context.Context, containerName string) ([]StoredAnchor, error) {
	names, err := s.AnchorNames(ctx, containerName)
	if err != nil {
		return nil, err
	}
	out := make([]StoredAnchor, 0, len(names))
	for _, n := range names {
		a, err := s.ReadAnchor(ctx, containerName, n)
		if err != nil {
			return nil, err
		}
		out = append(out, StoredAnchor{Blob: n, Anchor: a})
	}
	return out, nil
}
