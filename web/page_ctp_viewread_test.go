package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/cloudtrust/cloudtrust/ctp"
	"github.com/cloudtrust/cloudtrust/internal/testkit"
	"github.com/cloudtrust/cloudtrust/org"
	"github.com/cloudtrust/cloudtrust/sqldb"
)

// TestViewTreeHidesMeasurementsOfOthers checks that the view pages, which
// read a view's measurements in one query, still show only the
// measurements whose access tags the visitor matches.
func TestViewTreeHidesMeasurementsOfOthers(t *testing.T) {
	testkit.ForEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ce := newCTPEnv(t, db)
		ctx := context.Background()
		bm, err := ce.store.Measurement(ctx, ce.bankM)
		must(t, err)
		for _, m := range []*ctp.Measurement{
			{Name: "Shared latency", AccessTags: []string{org.OrgTag("cust"), org.OrgTag("other")}},
			{Name: "Hidden rival latency", AccessTags: []string{org.OrgTag("other")}},
		} {
			m.AttributeID, m.MetricID, m.State = bm.AttributeID, bm.MetricID, ctp.StateActivated
			must(t, ce.store.CreateMeasurement(ctx, m))
		}
		carol := ce.browser()
		carol.signIn("carol")
		res := carol.get("/console/customer/views/" + ce.bank)
		t.Run("visible_measurements_are_shown", func(t *testing.T) {
			wantStatus(t, res, http.StatusOK, "Bank storage &lt;b&gt; availability", "Shared latency")
		})
		t.Run("measurement_of_another_organisation_is_not_shown", func(t *testing.T) {
			if strings.Contains(res.body, "Hidden rival latency") {
				t.Error("the page shows a measurement carol may not read")
			}
		})
	})
}
