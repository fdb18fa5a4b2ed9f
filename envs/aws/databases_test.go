package aws

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// TestSnapshotProgress: an available snapshot whose progress the answer
// leaves out is complete; one still being made is where RDS says.
func TestSnapshotProgress(t *testing.T) {
	cases := []struct {
		in   rdstypes.DBSnapshot
		want int
	}{
		{rdstypes.DBSnapshot{Status: aws.String("available")}, 100},
		{rdstypes.DBSnapshot{Status: aws.String("creating")}, 0},
		{rdstypes.DBSnapshot{Status: aws.String("creating"), PercentProgress: aws.Int32(40)}, 40},
		{rdstypes.DBSnapshot{Status: aws.String("available"), PercentProgress: aws.Int32(100)}, 100},
	}
	for _, c := range cases {
		if got := snapshot(c.in).PercentProgress; got != c.want {
			t.Errorf("%s with progress %v: %d%%, want %d%%", aws.ToString(c.in.Status), c.in.PercentProgress, got, c.want)
		}
	}
}
