package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// dayDuration is a duration flag that also accepts whole days ("7d"), for
// --downsample-after and --downsample-step.
type dayDuration struct{ d *time.Duration }

func (v dayDuration) String() string {
	if v.d == nil {
		return "0s"
	}
	return v.d.String()
}

func (v dayDuration) Set(s string) error {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil {
			return fmt.Errorf("%q is not a number of days such as 7d", s)
		}
		// Past maxDays the product overflows time.Duration and would wrap.
		const maxDays = int(math.MaxInt64 / int64(24*time.Hour))
		if days > maxDays || days < -maxDays {
			return fmt.Errorf("%q: at most %dd", s, maxDays)
		}
		*v.d = time.Duration(days) * 24 * time.Hour
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration such as 7d, 36h or 90m", s)
	}
	*v.d = d
	return nil
}

// checkDownsample validates --downsample-after/--downsample-step against
// --result-retention.
func checkDownsample(after, step, retention time.Duration) error {
	switch {
	case after == 0 && step == 0:
		return nil
	case after <= 0 || step <= 0:
		return fmt.Errorf("--downsample-after and --downsample-step: give both, positive (e.g. 7d and 1h)")
	case step < time.Second:
		return fmt.Errorf("--downsample-step: must be at least 1s")
	case after < step:
		return fmt.Errorf("--downsample-after: must be at least --downsample-step")
	case retention > 0 && retention <= after:
		return fmt.Errorf("--result-retention: must be longer than --downsample-after (rollups are kept until --result-retention)")
	}
	return nil
}
