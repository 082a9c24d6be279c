package cleak

import "testing"

func TestLeak(t *testing.T) { Leak() }
