package aws

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/envbench/envbench/envs/cloud/cloudtest"
)

// One moto server serves every test of the package: started by the first
// test that needs it, stopped by TestMain.
var moto struct {
	once   sync.Once
	server *cloudtest.Moto
	dir    string
	err    error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if moto.server != nil {
		moto.server.Stop()
	}
	if moto.dir != "" {
		_ = os.RemoveAll(moto.dir)
	}
	os.Exit(code)
}

// motoEndpoint returns the package's moto server, starting it on first
// use; without moto_server, t is skipped.
func motoEndpoint(t *testing.T) string {
	t.Helper()
	moto.once.Do(func() {
		if moto.dir, moto.err = os.MkdirTemp("", "envbench-moto-"); moto.err != nil {
			moto.err = fmt.Errorf("moto's directory: %w", moto.err)
			return
		}
		moto.server, moto.err = cloudtest.LaunchMoto(moto.dir)
	})
	if errors.Is(moto.err, cloudtest.ErrNoMoto) {
		t.Skipf("%v: the tests against moto are skipped", moto.err)
	}
	if moto.err != nil {
		t.Fatal(moto.err)
	}
	return moto.server.Endpoint
}

// motoConnector opens moto's accounts with static credentials (moto acts
// in 123456789012 for them) and no retries.
func motoConnector(t *testing.T) *Connector {
	return &Connector{
		Endpoint:    motoEndpoint(t),
		Credentials: credentials.NewStaticCredentialsProvider("AKIAENVBENCHTEST0001", "moto-secret", ""),
		MaxAttempts: 1,
	}
}
