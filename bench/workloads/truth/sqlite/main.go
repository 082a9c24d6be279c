// mattn/go-sqlite3 through database/sql. "clean": an in-memory database,
// 2000 rows inserted, a query read to the end, everything closed. "leak": the
// same, but the query's Rows are dropped unread and never closed, so the
// connection they hold (C: the sqlite3 handle and the statement) is never
// given back; the DB is closed. Only Go garbage holds that C memory then.
package main

import (
	"database/sql"
	"fmt"
	"log"
	"os"

	_ "github.com/mattn/go-sqlite3"
)

func fill(db *sql.DB) {
	if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)`); err != nil {
		log.Fatal(err)
	}
	tx, err := db.Begin()
	if err != nil {
		log.Fatal(err)
	}
	for i := 0; i < 2000; i++ {
		if _, err := tx.Exec(`INSERT INTO t (name) VALUES (?)`, fmt.Sprintf("row %d", i)); err != nil {
			log.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		log.Fatal(err)
	}
}

//go:noinline
func query(db *sql.DB, leak bool) int {
	rows, err := db.Query(`SELECT id, name FROM t WHERE id % 10 = 0`)
	if err != nil {
		log.Fatal(err)
	}
	n := 0
	for rows.Next() {
		n++
		if leak && n == 3 {
			return n // rows never closed
		}
	}
	rows.Close()
	return n
}

func main() {
	db, err := sql.Open("sqlite3", "file:truth?mode=memory&cache=private")
	if err != nil {
		log.Fatal(err)
	}
	fill(db)
	n := query(db, os.Args[1] == "leak")
	if err := db.Close(); err != nil {
		log.Fatal(err)
	}
	fmt.Println("selected", n)
}
