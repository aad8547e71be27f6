package devhost

import (
	"strings"

	"github.com/bwv-ingest/bwv-ingest/internal/reason"
)

// StorageAccount is what the host needs from a storage connection string.
type StorageAccount struct {
	Name          string
	Key           string
	BlobEndpoint  string // no trailing slash
	QueueEndpoint string // no trailing slash
	Raw           string // the connection string as given, for SDK clients
}

const (
	devstoreAccount = "devstoreaccount1"
	devstoreKey     = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// ParseConnectionString reads an Azure Storage connection string as the real
// host takes it from AzureWebJobsStorage, including UseDevelopmentStorage=true.
func ParseConnectionString(s string) (StorageAccount, error) {
	kv := map[string]string{}
	for _, part := range strings.Split(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return StorageAccount{}, reason.Errorf(CodeConfigInvalid, nil, "connection string: %q is not key=value", redactPart(part))
		}
		kv[strings.ToLower(k)] = v
	}
	if strings.EqualFold(kv["usedevelopmentstorage"], "true") {
		a := StorageAccount{
			Name:          devstoreAccount,
			Key:           devstoreKey,
			BlobEndpoint:  "http://127.0.0.1:10000/" + devstoreAccount,
			QueueEndpoint: "http://127.0.0.1:10001/" + devstoreAccount,
		}
		a.Raw = a.connectionString()
		return a, nil
	}
	a := StorageAccount{Name: kv["accountname"], Key: kv["accountkey"], Raw: s}
	if a.Name == "" || a.Key == "" {
		return StorageAccount{}, reason.Errorf(CodeConfigInvalid, nil, "connection string needs AccountName and AccountKey (identity-based connections are not supported by the local host)")
	}
	proto := kv["defaultendpointsprotocol"]
	if proto == "" {
		proto = "https"
	}
	suffix := kv["endpointsuffix"]
	if suffix == "" {
		suffix = "core.windows.net"
	}
	a.BlobEndpoint = strings.TrimRight(kv["blobendpoint"], "/")
	if a.BlobEndpoint == "" {
		a.BlobEndpoint = proto + "://" + a.Name + ".blob." + suffix
	}
	a.QueueEndpoint = strings.TrimRight(kv["queueendpoint"], "/")
	if a.QueueEndpoint == "" {
		a.QueueEndpoint = proto + "://" + a.Name + ".queue." + suffix
	}
	return a, nil
}

func (a StorageAccount) connectionString() string {
	return "DefaultEndpointsProtocol=http;AccountName=" + a.Name + ";AccountKey=" + a.Key +
		";BlobEndpoint=" + a.BlobEndpoint + ";QueueEndpoint=" + a.QueueEndpoint + ";"
}

func redactPart(p string) string {
	k, _, _ := strings.Cut(p, "=")
	if len(k) > 40 {
		k = k[:40]
	}
	return k + "=…"
}
