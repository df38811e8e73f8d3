package sqldb_test

import (
	"testing"

	"github.com/cloudtrust/cloudtrust/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }
