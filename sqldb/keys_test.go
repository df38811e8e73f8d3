package sqldb_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrust/cloudtrust/cloudtrust"
	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/notify"
	"github.com/cloudtrust/cloudtrust/signing"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

func TestAuthorityKeys(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		ks := db.Keys()
		a := &signing.Key{AuthorityID: "agent-1", Algorithm: signing.RS256, JWK: []byte(`{"kty":"RSA"}`), NotAfter: t0.Add(time.Hour)}
		b := &signing.Key{AuthorityID: "agent-1", Algorithm: signing.ES256, JWK: []byte(`{"kty":"EC"}`)}
		must(t, ks.AddKey(ctx, a))
		must(t, ks.AddKey(ctx, b))
		must(t, ks.AddKey(ctx, &signing.Key{AuthorityID: "agent-2", Algorithm: signing.ES256, JWK: []byte(`{}`)}))
		t.Run("keys are listed per authority, oldest first", func(t *testing.T) {
			keys, err := ks.Keys(ctx, "agent-1")
			must(t, err)
			if len(keys) != 2 || keys[0].ID != a.ID || keys[1].ID != b.ID || !keys[0].NotAfter.Equal(a.NotAfter) ||
				!keys[1].NotAfter.IsZero() || string(keys[0].JWK) != `{"kty":"RSA"}` {
				t.Fatalf("keys = %+v %+v", keys[0], keys[1])
			}
		})
		t.Run("an authority without keys has an empty list", func(t *testing.T) {
			keys, err := ks.Keys(ctx, "nobody")
			if err != nil || keys == nil || len(keys) != 0 {
				t.Fatalf("Keys = %v, %v", keys, err)
			}
		})
		t.Run("an unsupported algorithm is invalid", func(t *testing.T) {
			wantCode(t, ks.AddKey(ctx, &signing.Key{AuthorityID: "x", Algorithm: "HS256"}), cloudtrust.EINVALID)
		})
		t.Run("a key of another authority is not deleted", func(t *testing.T) {
			wantCode(t, ks.DeleteKey(ctx, "agent-2", a.ID), cloudtrust.ENOTFOUND)
		})
		t.Run("a deleted key is gone", func(t *testing.T) {
			must(t, ks.DeleteKey(ctx, "agent-1", a.ID))
			keys, _ := ks.Keys(ctx, "agent-1")
			if len(keys) != 1 || keys[0].ID != b.ID {
				t.Fatalf("keys after delete = %+v", keys)
			}
		})
	})
}

func TestTriggerSecrets(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := newStore(db)
		tr := mustTree(t, s, nil)
		ks := db.Keys()
		t.Run("a trigger without secret is not found", func(t *testing.T) {
			_, err := ks.TriggerSecret(ctx, tr.trigger.ID)
			wantCode(t, err, cloudtrust.ENOTFOUND)
		})
		t.Run("the stored secret is returned, and replaced", func(t *testing.T) {
			must(t, ks.SetTriggerSecret(ctx, tr.trigger.ID, []byte("one")))
			must(t, ks.SetTriggerSecret(ctx, tr.trigger.ID, []byte("two")))
			got, err := ks.TriggerSecret(ctx, tr.trigger.ID)
			if err != nil || string(got) != "two" {
				t.Fatalf("TriggerSecret = %q, %v", got, err)
			}
		})
		t.Run("deleting the trigger deletes its secret", func(t *testing.T) {
			must(t, s.Delete(ctx, ctp.Ref{Kind: ctp.KindTrigger, ID: tr.trigger.ID}))
			_, err := ks.TriggerSecret(ctx, tr.trigger.ID)
			wantCode(t, err, cloudtrust.ENOTFOUND)
		})
		t.Run("a secret for an unknown trigger is refused", func(t *testing.T) {
			wantCode(t, ks.SetTriggerSecret(ctx, "no-such-trigger", []byte("x")), cloudtrust.ECONFLICT)
		})
	})
}

func TestDeadLetters(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		dl := db.DeadLetters()
		for i, view := range []string{"v1", "v2", "v1"} {
			must(t, dl.RecordDeadLetter(ctx, notify.DeadLetter{
				DeliveryID: "e/webhook", EventID: "e", ServiceViewID: view, TriggerID: "t", Channel: notify.ChannelWebhook,
				Target: "https://hooks.example/x", Attempts: i + 1, LastStatus: 500, LastError: "HTTP 500",
				FirstAttempt: t0, LastAttempt: t0.Add(time.Minute), Body: []byte(`{"id":"e"}`),
			}))
		}
		got, err := dl.ListDeadLetters(ctx, "v1", 0)
		must(t, err)
		if len(got) != 2 || got[0].Attempts != 3 || got[1].Attempts != 1 || string(got[0].Body) != `{"id":"e"}` ||
			!got[0].LastAttempt.Equal(t0.Add(time.Minute)) {
			t.Fatalf("dead letters of v1, newest first = %+v", got)
		}
		got, _ = dl.ListDeadLetters(ctx, "v1", 1)
		if len(got) != 1 {
			t.Fatalf("limit 1 gave %d", len(got))
		}
		got, _ = dl.ListDeadLetters(ctx, "none", 0)
		if got == nil || len(got) != 0 {
			t.Fatalf("unknown view gave %+v", got)
		}
	})
}

func TestTriggerSecretsEncryptedAtRest(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := newStore(db)
		tr := mustTree(t, s, nil)
		key := []byte("0123456789abcdef0123456789abcdef")
		sealed, err := db.Keys().WithSecretKey(key)
		must(t, err)
		must(t, sealed.SetTriggerSecret(ctx, tr.trigger.ID, []byte("whsec_topsecret")))
		q := "SELECT secret FROM trigger_secrets WHERE trigger_id = ?"
		if db.Dialect() == "postgres" {
			q = "SELECT secret FROM trigger_secrets WHERE trigger_id = $1"
		}
		var raw []byte
		must(t, db.SQL().QueryRowContext(ctx, q, tr.trigger.ID).Scan(&raw))
		t.Run("the stored bytes do not hold the secret", func(t *testing.T) {
			if strings.Contains(string(raw), "topsecret") {
				t.Fatalf("stored in clear: %q", raw)
			}
		})
		t.Run("the sealed store reads it back", func(t *testing.T) {
			got, err := sealed.TriggerSecret(ctx, tr.trigger.ID)
			if err != nil || string(got) != "whsec_topsecret" {
				t.Fatalf("TriggerSecret = %q, %v", got, err)
			}
		})
		t.Run("a store without the key cannot read it", func(t *testing.T) {
			_, err := db.Keys().TriggerSecret(ctx, tr.trigger.ID)
			wantCode(t, err, cloudtrust.EINTERNAL)
		})
		t.Run("a store with another key cannot read it", func(t *testing.T) {
			other, _ := db.Keys().WithSecretKey([]byte("fedcba9876543210fedcba9876543210"))
			_, err := other.TriggerSecret(ctx, tr.trigger.ID)
			wantCode(t, err, cloudtrust.EINTERNAL)
		})
		t.Run("a secret stored in clear earlier is still read", func(t *testing.T) {
			must(t, db.Keys().SetTriggerSecret(ctx, tr.trigger.ID, []byte("whsec_old")))
			got, err := sealed.TriggerSecret(ctx, tr.trigger.ID)
			if err != nil || string(got) != "whsec_old" {
				t.Fatalf("TriggerSecret = %q, %v", got, err)
			}
		})
		t.Run("a short key is refused", func(t *testing.T) {
			_, err := db.Keys().WithSecretKey([]byte("short"))
			wantCode(t, err, cloudtrust.EINVALID)
		})
	})
}
