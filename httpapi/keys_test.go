package httpapi

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/signing"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

// withDelivery rebuilds e's server with the key registry, trigger secrets
// and dead letters of db (and, when given, a notifier and hub via cfg).
func withDelivery(e *env, db *sqldb.DB, extra func(*Config)) {
	cfg := Config{
		Store: e.store, Evaluator: e.srv.eval, Clock: e.clock, BaseURL: testBase,
		Name: "test server", Annotation: "for tests", Provider: "net.example", MaxBodyBytes: maxTestBody,
		Keys: db.Keys(), TriggerSecrets: db.Keys(), DeadLetters: db.DeadLetters(),
	}
	if extra != nil {
		extra(&cfg)
	}
	e.srv = New(cfg)
}

func pemOf(t *testing.T, pub any) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

func sign(t *testing.T, alg jose.SignatureAlgorithm, key any, payload string, detached bool) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, nil)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := s.Sign([]byte(payload))
	if err != nil {
		t.Fatal(err)
	}
	if detached {
		out, err := jws.DetachedCompactSerialize()
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// signedBody is a PUT ?x=result body with white space (which the payload
// does not have) around a result of level, signed with sig.
func signedBody(level, authority, sig string) string {
	auth := ""
	if authority != "" {
		auth = `, "authorityId": "` + authority + `"`
	}
	return `{"result": {"value": [ {"level": ` + level + `} ], "updateTime": "2026-11-28T11:00:00Z"` + auth + `, "signature": "` + sig + `"}}`
}

func payloadOf(level, authority string) string {
	return `{"value":[{"level":` + level + `}],"updateTime":"2026-11-28T11:00:00Z","authorityId":"` + authority + `"}`
}

func TestSignedResults(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	otherRSA, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	noneSig := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`)) + "." +
		base64.RawURLEncoding.EncodeToString([]byte(payloadOf("8", "agent-rsa"))) + "."
	hsSig := sign(t, jose.HS256, []byte("0123456789abcdef0123456789abcdef"), payloadOf("8", "agent-rsa"), false)

	forEachDBWithDB(t, func(t *testing.T, e *env, db *sqldb.DB) {
		withDelivery(e, db, nil)
		tr := e.tree()
		e.must(201, "POST", "/api/v1/authorities/agent-rsa/keys", adminToken, map[string]any{"pem": pemOf(t, &rsaKey.PublicKey)})
		jwk, _ := json.Marshal(jose.JSONWebKey{Key: &ecKey.PublicKey})
		e.must(201, "POST", "/api/v1/authorities/agent-ec/keys", adminToken, map[string]any{"jwk": json.RawMessage(jwk)})
		r := e.must(201, "POST", "/api/v1/authorities/agent-gone/keys", adminToken, map[string]any{"pem": pemOf(t, &rsaKey.PublicKey)})
		e.must(204, "DELETE", "/api/v1/authorities/agent-gone/keys/"+r.str(t, "id"), adminToken, nil)
		e.must(201, "POST", "/api/v1/authorities/agent-expired/keys", adminToken, map[string]any{
			"pem": pemOf(t, &rsaKey.PublicKey), "notAfter": "2026-11-28T11:59:59Z"})

		tests := []struct {
			name, body string
			want       int
			wantErr    string
		}{
			{"valid RS256 is accepted", signedBody("8", "agent-rsa", sign(t, jose.RS256, rsaKey, payloadOf("8", "agent-rsa"), false)), 200, ""},
			{"valid ES256 is accepted", signedBody("8", "agent-ec", sign(t, jose.ES256, ecKey, payloadOf("8", "agent-ec"), false)), 200, ""},
			{"valid detached RS256 is accepted", signedBody("8", "agent-rsa", sign(t, jose.RS256, rsaKey, payloadOf("8", "agent-rsa"), true)), 200, ""},
			{"tampered value is rejected", signedBody("9", "agent-rsa", sign(t, jose.RS256, rsaKey, payloadOf("8", "agent-rsa"), false)), 400, "is not the serialisation of this result"},
			{"tampered detached value is rejected", signedBody("9", "agent-rsa", sign(t, jose.RS256, rsaKey, payloadOf("8", "agent-rsa"), true)), 400, "does not verify"},
			{"wrong key is rejected", signedBody("8", "agent-rsa", sign(t, jose.RS256, otherRSA, payloadOf("8", "agent-rsa"), false)), 400, "does not verify"},
			{"alg none is rejected", signedBody("8", "agent-rsa", noneSig), 400, "is not accepted; use RS256 or ES256"},
			{"HS256 is rejected", signedBody("8", "agent-rsa", hsSig), 400, "is not accepted; use RS256 or ES256"},
			{"unknown authority is rejected", signedBody("8", "agent-nobody", sign(t, jose.RS256, rsaKey, payloadOf("8", "agent-nobody"), false)), 400, "unknown authority"},
			{"deleted key is rejected", signedBody("8", "agent-gone", sign(t, jose.RS256, rsaKey, payloadOf("8", "agent-gone"), false)), 400, "unknown authority"},
			{"expired key is rejected", signedBody("8", "agent-expired", sign(t, jose.RS256, rsaKey, payloadOf("8", "agent-expired"), false)), 400, "no RS256 key valid now"},
			{"ES256 signature with an RSA-only authority is rejected", signedBody("8", "agent-rsa", sign(t, jose.ES256, ecKey, payloadOf("8", "agent-rsa"), false)), 400, "no ES256 key valid now"},
			{"signature without authorityId is rejected", signedBody("8", "", sign(t, jose.RS256, rsaKey, payloadOf("8", "agent-rsa"), false)), 400, "authorityId"},
			{"bare result with the authority alias is accepted", `{"value":[{"level":8}], "authority":"agent-rsa", "signature":"` +
				sign(t, jose.RS256, rsaKey, `{"value":[{"level":8}],"authority":"agent-rsa"}`, false) + `"}`, 200, ""},
			{"garbage signature is rejected", signedBody("8", "agent-rsa", "not-a-jws"), 400, "not a JWS compact serialisation"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := e.must(200, "GET", "/api/1.0/measurements/"+tr.measurement, adminToken, nil).json(t)["result"]
				r := e.do("PUT", "/api/1.0/measurements/"+tr.measurement+"?x=result", adminToken, tt.body)
				if r.status != tt.want || !strings.Contains(string(r.body), tt.wantErr) {
					t.Fatalf("status %d, want %d with %q\n%s", r.status, tt.want, tt.wantErr, r.body)
				}
				after := e.must(200, "GET", "/api/1.0/measurements/"+tr.measurement, adminToken, nil).json(t)["result"]
				if tt.want != 200 {
					b1, _ := json.Marshal(before)
					b2, _ := json.Marshal(after)
					if string(b1) != string(b2) {
						t.Fatalf("a rejected result was written: before %s, after %s", b1, b2)
					}
					return
				}
				var sent struct {
					Signature string `json:"signature"`
				}
				json.Unmarshal(resultObject([]byte(tt.body)), &sent)
				if got, _ := after.(map[string]any)["signature"].(string); got != sent.Signature {
					t.Fatalf("served signature %q, want it as received %q", got, sent.Signature)
				}
			})
		}
		t.Run("unsigned result stays accepted", func(t *testing.T) {
			e.pushResult(adminToken, tr.measurement, 5)
		})
	})
}

func TestAuthorityKeyAPI(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	privDER, _ := x509.MarshalPKCS8PrivateKey(rsaKey)
	privPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER}))
	privJWK, _ := json.Marshal(jose.JSONWebKey{Key: ecKey})
	forEachDBWithDB(t, func(t *testing.T, e *env, db *sqldb.DB) {
		withDelivery(e, db, nil)
		_, userToken := e.account("customer", "access:user", "id:1")
		tests := []struct {
			name, token string
			body        any
			want        int
			wantErr     string
		}{
			{"RSA PEM is registered as RS256", adminToken, map[string]any{"pem": pemOf(t, &rsaKey.PublicKey)}, 201, `"alg":"RS256"`},
			{"EC P-256 PEM is registered as ES256", adminToken, map[string]any{"pem": pemOf(t, &ecKey.PublicKey)}, 201, `"alg":"ES256"`},
			{"non-administrator is forbidden", userToken, map[string]any{"pem": pemOf(t, &rsaKey.PublicKey)}, 403, "administrator"},
			{"missing token is unauthorized", "", map[string]any{"pem": pemOf(t, &rsaKey.PublicKey)}, 401, "bearer token"},
			{"private PEM key is refused", adminToken, map[string]any{"pem": privPEM}, 400, "private key"},
			{"private JWK is refused", adminToken, map[string]any{"jwk": json.RawMessage(privJWK)}, 400, "private key"},
			{"small RSA key is refused", adminToken, map[string]any{"pem": pemOf(t, &small.PublicKey)}, 400, "at least 2048"},
			{"P-384 key is refused", adminToken, map[string]any{"pem": pemOf(t, &p384.PublicKey)}, 400, "only P-256"},
			{"garbage is refused", adminToken, map[string]any{"pem": "hello"}, 400, "neither a PEM block nor a JWK"},
			{"both pem and jwk are refused", adminToken, map[string]any{"pem": "x", "jwk": map[string]any{}}, 400, "exactly one of pem"},
			{"bad notAfter is refused", adminToken, map[string]any{"pem": pemOf(t, &rsaKey.PublicKey), "notAfter": "tomorrow"}, 400, "notAfter"},
			{"notAfter not after notBefore is refused", adminToken, map[string]any{"pem": pemOf(t, &rsaKey.PublicKey),
				"notBefore": "2026-12-01T00:00:00Z", "notAfter": "2026-12-01T00:00:00Z"}, 400, "notAfter: must be after notBefore"},
			{"an unknown member is refused naming it", adminToken, map[string]any{"pem": pemOf(t, &rsaKey.PublicKey), "expires": "never"}, 400, "expires"},
			{"a pem that is not a string is refused naming it", adminToken, map[string]any{"pem": 42}, 400, `\"pem\": expected a string`},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := e.do("POST", "/api/v1/authorities/agent-1/keys", tt.token, tt.body)
				if r.status != tt.want || !strings.Contains(string(r.body), tt.wantErr) {
					t.Fatalf("status %d, want %d with %q\n%s", r.status, tt.want, tt.wantErr, r.body)
				}
			})
		}
		t.Run("list shows the two registered keys", func(t *testing.T) {
			r := e.must(200, "GET", "/api/v1/authorities/agent-1/keys", adminToken, nil)
			keys := r.json(t)["keys"].([]any)
			if len(keys) != 2 {
				t.Fatalf("keys = %s", r.body)
			}
		})
		t.Run("deleting an unknown key is not found", func(t *testing.T) {
			e.must(404, "DELETE", "/api/v1/authorities/agent-1/keys/nope", adminToken, nil)
		})
		t.Run("an authority id over the name limit is refused naming it", func(t *testing.T) {
			r := e.must(400, "GET", "/api/v1/authorities/"+strings.Repeat("a", 1025)+"/keys", adminToken, nil)
			if !strings.Contains(string(r.body), "authorityId") {
				t.Fatalf("body %s does not name authorityId", r.body)
			}
		})
	})
}

// forEachDBWithDB runs fn on a fresh env per database backend, with the
// database itself for the stores env does not wire.
func forEachDBWithDB(t *testing.T, fn func(t *testing.T, e *env, db *sqldb.DB)) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) { fn(t, newEnv(t, db), db) })
}

// countingKeys counts the reads of authority keys, and those made while
// inTx is set.
type countingKeys struct {
	signing.KeyStore
	reads    atomic.Int64
	inTx     *atomic.Bool
	duringTx atomic.Int64
}

func (c *countingKeys) Keys(ctx context.Context, authorityID string) ([]*signing.Key, error) {
	c.reads.Add(1)
	if c.inTx != nil && c.inTx.Load() {
		c.duringTx.Add(1)
	}
	return c.KeyStore.Keys(ctx, authorityID)
}

// txFlagStore sets inTx while a batch's transaction (ApplyBatch) runs.
type txFlagStore struct {
	*sqldb.CTPStore
	inTx *atomic.Bool
}

func (s txFlagStore) ApplyBatch(ctx context.Context, items []ctp.BatchItem, receipt *ctp.BatchReceipt) (*ctp.BatchOutcome, error) {
	s.inTx.Store(true)
	defer s.inTx.Store(false)
	return s.CTPStore.ApplyBatch(ctx, items, receipt)
}

func TestBatchReadsAuthorityKeysOncePerBatch(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	forEachDBWithDB(t, func(t *testing.T, e *env, db *sqldb.DB) {
		// The keys are read before the transaction: read inside it, they
		// would wait for a second connection of the pool while the
		// transaction holds one (concurrent batches could hold them all).
		var inTx atomic.Bool
		keys := &countingKeys{KeyStore: db.Keys(), inTx: &inTx}
		withDelivery(e, db, func(c *Config) { c.Keys, c.Store = keys, txFlagStore{e.store.(*sqldb.CTPStore), &inTx} })
		tr := e.tree()
		e.must(201, "POST", "/api/v1/authorities/agent-rsa/keys", adminToken, map[string]any{"pem": pemOf(t, &rsaKey.PublicKey)})
		e.must(201, "POST", "/api/v1/authorities/agent-ec/keys", adminToken, map[string]any{"pem": pemOf(t, &ecKey.PublicKey)})
		var body strings.Builder
		for i := range 60 {
			authority, alg, key := "agent-rsa", jose.RS256, any(rsaKey)
			if i%3 == 0 {
				authority, alg, key = "agent-ec", jose.ES256, any(ecKey)
			}
			at := fmt.Sprintf("2026-11-28T10:%02d:00Z", i)
			payload := fmt.Sprintf(`{"value":[{"level":%d}],"updateTime":%q,"authorityId":%q}`, i%10, at, authority)
			fmt.Fprintf(&body, `{"measurement":%q,"result":{"value":[{"level":%d}],"updateTime":%q,"authorityId":%q,"signature":%q}}`+"\n",
				tr.measurement, i%10, at, authority, sign(t, alg, key, payload, false))
		}
		// One line signed by the wrong key is refused alone.
		bad := `{"value":[{"level":1}],"updateTime":"2026-11-28T11:30:00Z","authorityId":"agent-rsa"}`
		fmt.Fprintf(&body, `{"measurement":%q,"result":{"value":[{"level":1}],"updateTime":"2026-11-28T11:30:00Z","authorityId":"agent-rsa","signature":%q}}`+"\n",
			tr.measurement, sign(t, jose.ES256, ecKey, bad, false))
		keys.reads.Store(0)
		r := e.doCT("POST", "/api/v1/results", adminToken, body.String(), "application/x-ndjson")
		if r.status != 207 || !strings.Contains(string(r.body), "line 61") && !strings.Contains(string(r.body), `"line":61`) {
			t.Fatalf("status %d, want 207 naming line 61\n%.600s", r.status, r.body)
		}
		if n := keys.reads.Load(); n != 2 {
			t.Fatalf("authority keys read %d times for a batch of 61 lines from 2 authorities, want 2", n)
		}
		if n := keys.duringTx.Load(); n != 0 {
			t.Fatalf("authority keys read %d times during the batch's transaction, want 0", n)
		}
		got := e.must(200, "GET", "/api/v1/measurements/"+tr.measurement+"/results?from=2026-11-28T00:00:00Z&to=2026-11-29T00:00:00Z", adminToken, nil)
		if n := strings.Count(string(got.body), `"signature"`); n != 60 {
			t.Fatalf("%d signed results stored, want 60", n)
		}
	})
}
