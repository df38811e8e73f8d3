package main

import (
	"net/http"
	"strings"
	"syscall"
	"testing"

	"github.com/cloudtrust/cloudtrust/demo"
)

func TestServeDemoLoadsTwoServiceViewsForTheDemoCustomer(t *testing.T) {
	data := t.TempDir()
	s := startServer(t, nil, "--data", data, "--demo")
	if !strings.Contains(s.logs.String(), "DEMO MODE") {
		t.Errorf("no DEMO MODE warning in the log:\n%s", s.logs)
	}

	var views resource
	s.mustAPI(http.StatusOK, "GET", "/serviceViews", demo.CustomerToken, nil, &views)
	if views.CollectionLength != 2 {
		t.Fatalf("demo customer sees %d service views, want 2", views.CollectionLength)
	}
	var logs resource
	s.mustAPI(http.StatusOK, "GET", "/serviceViews/"+demo.ObjectStorageViewID+"/logs", demo.CustomerToken, nil, &logs)
	if logs.CollectionLength == 0 {
		t.Error("the demo object storage view has no log entries, want the fired triggers' alerts")
	}
	var restore resource
	s.mustAPI(http.StatusOK, "GET", "/measurements/"+demo.RestoreTestID, demo.CustomerToken, nil, &restore)
	if restore.State != "deactivated" {
		t.Errorf("user-initiated restore test is %q, want deactivated", restore.State)
	}
	var avail resource
	s.mustAPI(http.StatusOK, "PUT", "/measurements/"+demo.APIAvailabilityID+"?x=result", demo.AgentToken, result(99.2), &avail)
	if avail.Objective == nil || avail.Objective.Status != "false" {
		t.Errorf("objective after a 99.2%% result = %+v, want status false", avail.Objective)
	}
	if code := s.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("exit code %d after SIGTERM, want 0", code)
	}

	s = startServer(t, nil, "--data", data, "--demo")
	s.mustAPI(http.StatusOK, "GET", "/serviceViews", demo.CustomerToken, nil, &views)
	if views.CollectionLength != 2 {
		t.Fatalf("after a restart with --demo the customer sees %d service views, want 2 (no second load)", views.CollectionLength)
	}
}
