// A real cgo library used correctly: mattn/go-sqlite3 with an in-memory
// database, 1000 inserted rows, a query and Close. No C memory may be lost.
package main

import (
	"database/sql"
	"fmt"
	"log"

	_ "github.com/mattn/go-sqlite3"
)

func main() {
	db, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		log.Fatal(err)
	}
	// One connection: each new connection to ":memory:" is a new database.
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, n REAL)`); err != nil {
		log.Fatal(err)
	}
	tx, err := db.Begin()
	if err != nil {
		log.Fatal(err)
	}
	stmt, err := tx.Prepare(`INSERT INTO t (name, n) VALUES (?, ?)`)
	if err != nil {
		log.Fatal(err)
	}
	for i := 0; i < 1000; i++ {
		if _, err := stmt.Exec(fmt.Sprintf("row %d", i), float64(i)/3); err != nil {
			log.Fatal(err)
		}
	}
	stmt.Close()
	if err := tx.Commit(); err != nil {
		log.Fatal(err)
	}
	rows, err := db.Query(`SELECT id, name FROM t WHERE id % 100 = 0 ORDER BY id`)
	if err != nil {
		log.Fatal(err)
	}
	count := 0
	for rows.Next() {
		var id int
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			log.Fatal(err)
		}
		count++
	}
	rows.Close()
	var total int
	if err := db.QueryRow(`SELECT COUNT(*) FROM t`).Scan(&total); err != nil {
		log.Fatal(err)
	}
	if err := db.Close(); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("rows=%d selected=%d\n", total, count)
}
