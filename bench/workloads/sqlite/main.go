// Workload (c): a real cgo program, mattn/go-sqlite3 on an in-memory database.
//
//	sqlite [ROWS]     default: 20,000 rows
//
// Inserts ROWS rows in one transaction through a prepared statement, builds
// an index, then runs ROWS/10 indexed range queries (about 30 rows each) plus
// one aggregate. Every score value is shared by 10 rows whatever ROWS is, so
// the work grows linearly with ROWS (up to log factors): the benchmark may
// run a tool that is too slow for the full size on ROWS/10 and scale its time.
// All memory that SQLite mallocs goes through the C allocator, which is what
// the tools under comparison instrument.
package main

import (
	"database/sql"
	"fmt"
	"os"
	"strconv"

	_ "github.com/mattn/go-sqlite3"
)

func parseArg(i int, def int) int {
	if len(os.Args) <= i {
		return def
	}
	v, err := strconv.Atoi(os.Args[i])
	if err != nil || v <= 0 {
		fmt.Fprintf(os.Stderr, "sqlite: bad argument %q\n", os.Args[i])
		os.Exit(2)
	}
	return v
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "sqlite:", err)
		os.Exit(1)
	}
}

func insertRows(db *sql.DB, rows, scores int) {
	tx, err := db.Begin()
	check(err)
	stmt, err := tx.Prepare("INSERT INTO items(id, name, score) VALUES(?, ?, ?)")
	check(err)
	for i := 0; i < rows; i++ {
		_, err = stmt.Exec(i, fmt.Sprintf("item-%d-%x", i, i*2654435761), (i*7919)%scores)
		check(err)
	}
	check(stmt.Close())
	check(tx.Commit())
}

func runQueries(db *sql.DB, queries, scores int) int64 {
	stmt, err := db.Prepare("SELECT id, name FROM items WHERE score BETWEEN ? AND ?")
	check(err)
	var seen int64
	for q := 0; q < queries; q++ {
		lo := (q * 37) % scores
		res, err := stmt.Query(lo, lo+2)
		check(err)
		for res.Next() {
			var id int64
			var name string
			check(res.Scan(&id, &name))
			seen += id + int64(len(name))
		}
		check(res.Err())
		check(res.Close())
	}
	check(stmt.Close())
	var total int64
	check(db.QueryRow("SELECT sum(score) FROM items").Scan(&total))
	return seen + total
}

func main() {
	rows := parseArg(1, 20000)
	queries := (rows + 9) / 10
	scores := queries // 10 rows per score value
	db, err := sql.Open("sqlite3", ":memory:")
	check(err)
	// Every pooled connection would get its own empty ":memory:" database.
	db.SetMaxOpenConns(1)
	_, err = db.Exec("CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT, score INTEGER)")
	check(err)
	insertRows(db, rows, scores)
	_, err = db.Exec("CREATE INDEX items_score ON items(score)")
	check(err)
	sum := runQueries(db, queries, scores)
	check(db.Close())
	fmt.Printf("sqlite: %d rows, %d queries, checksum %d\n", rows, queries, sum)
}
