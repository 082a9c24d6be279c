package leaky

import "testing"

func TestGreeting(t *testing.T) {
	if n := Greeting("hello"); n != 5 {
		t.Fatalf("Greeting = %d, want 5", n)
	}
}
