package main

// Placeholders replaced by the files that implement each command; each helper
// deletes its function from here when it adds its own file.

import "fmt"

func notYet(env *Env, name string) int {
	fmt.Fprintf(env.Stderr, "cloudtrust %s: not implemented yet\n", name)
	return exitError
}

