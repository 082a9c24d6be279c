// mattn/go-sqlite3 used wrongly: a database opened, used and dropped
// without Close. The argument says at which level:
//
//	conn  the driver's connection (a *SQLiteConn, which has a finalizer)
//	db    a *sql.DB (its connection-opener goroutine keeps it alive)
package main

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"log"
	"os"

	sqlite3 "github.com/mattn/go-sqlite3"
)

//go:noinline
func useConn() {
	c, err := (&sqlite3.SQLiteDriver{}).Open(":memory:")
	if err != nil {
		log.Fatal(err)
	}
	conn := c.(*sqlite3.SQLiteConn)
	if _, err := conn.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)`, []driver.Value{}); err != nil {
		log.Fatal(err)
	}
	if _, err := conn.Exec(`INSERT INTO t (name) VALUES ('x')`, []driver.Value{}); err != nil {
		log.Fatal(err)
	}
}

//go:noinline
func useDB() {
	db, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		log.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)`); err != nil {
		log.Fatal(err)
	}
}

func main() {
	if os.Args[1] == "conn" {
		useConn()
	} else {
		useDB()
	}
	fmt.Println("dropped", os.Args[1])
}
