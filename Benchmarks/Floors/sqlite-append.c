// The floor under ChatBlizz's SQLite append: the same rows, schema and statement shape as
// SQLMessageStore.append (one multi-row INSERT ... RETURNING id per batch, in autocommit, WAL,
// synchronous=FULL, or NORMAL with SYNCHRONOUS=NORMAL), driven from C with one prepared statement, so the CPU it reports is SQLite's
// and the kernel's alone. Usage: sqlite-append DB MESSAGES CONVERSATIONS BATCH
// DB must be a database migrated by `chatblizz` (see docs/performance.md, "The floor").
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double seconds(struct timeval t) { return (double)t.tv_sec + (double)t.tv_usec / 1e6; }

static void check(int rc, sqlite3 *db, const char *what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db));
        exit(1);
    }
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s DB MESSAGES CONVERSATIONS BATCH\n", argv[0]);
        return 2;
    }
    long messages = atol(argv[2]), conversations = atol(argv[3]), batch = atol(argv[4]);
    if (messages < 1 || conversations < 1 || batch < 1 || batch > 1000) {
        fprintf(stderr, "MESSAGES and CONVERSATIONS must be positive, BATCH 1...1000\n");
        return 2;
    }
    sqlite3 *db;
    check(sqlite3_open(argv[1], &db), db, "open");
    const char *synchronous = getenv("SYNCHRONOUS");  // FULL (ChatBlizz's default) or NORMAL
    char pragmas[200];
    snprintf(pragmas, sizeof pragmas, "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s; PRAGMA cache_size=-32768;",
             synchronous && strcmp(synchronous, "NORMAL") == 0 ? "NORMAL" : "FULL");
    check(sqlite3_exec(db, pragmas, 0, 0, 0), db, "pragmas");

    static const char *row = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    size_t cap = 400 + (size_t)batch * (strlen(row) + 2);
    char *sql = malloc(cap);
    strcpy(sql, "INSERT INTO messages (id, conversation_id, sender_id, receiver_id, kind, body, client_message_id, "
                "created_at, edited_at, deleted_at, delivered_at, read_at, updated_at, attachment) VALUES ");
    for (long i = 0; i < batch; i++) {
        if (i > 0) strcat(sql, ", ");
        strcat(sql, row);
    }
    strcat(sql, " ON CONFLICT DO NOTHING RETURNING id");
    sqlite3_stmt *insert;
    check(sqlite3_prepare_v2(db, sql, -1, &insert, 0), db, "prepare");

    char body[65];
    memset(body, 'x', 64);
    body[64] = 0;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    long long baseMillis = (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    srand(42);

    struct rusage r0, r1;
    struct timespec w0, w1;
    getrusage(RUSAGE_SELF, &r0);
    clock_gettime(CLOCK_MONOTONIC, &w0);
    long returned = 0;
    for (long start = 0; start + batch <= messages; start += batch) {
        char text[14][batch][80];
        int column = 1;
        for (long i = 0; i < batch; i++) {
            long n = start + i, c = rand() % conversations, sender = (n & 1) ? 2 * c : 2 * c + 1;
            long long at = baseMillis + n / 10;
            snprintf(text[0][i], 80, "%012llx-7000-8000-%012lx", at, n);                    // id, time-ordered like UUIDv7
            snprintf(text[1][i], 80, "00000000-0000-7000-8000-%012lx:00000000-0000-7000-8000-%012lx", 2 * c, 2 * c + 1);
            snprintf(text[2][i], 80, "00000000-0000-7000-8000-%012lx", sender);
            snprintf(text[3][i], 80, "00000000-0000-7000-8000-%012lx", sender ^ 1);
            snprintf(text[6][i], 80, "bench-%ld", n);
            sqlite3_bind_text(insert, column++, text[0][i], -1, SQLITE_STATIC);
            sqlite3_bind_text(insert, column++, text[1][i], -1, SQLITE_STATIC);
            sqlite3_bind_text(insert, column++, text[2][i], -1, SQLITE_STATIC);
            sqlite3_bind_text(insert, column++, text[3][i], -1, SQLITE_STATIC);
            sqlite3_bind_text(insert, column++, "text", -1, SQLITE_STATIC);
            sqlite3_bind_text(insert, column++, body, 64, SQLITE_STATIC);
            sqlite3_bind_text(insert, column++, text[6][i], -1, SQLITE_STATIC);
            sqlite3_bind_int64(insert, column++, at);
            for (int k = 0; k < 4; k++) sqlite3_bind_null(insert, column++);
            sqlite3_bind_int64(insert, column++, at);
            sqlite3_bind_null(insert, column++);
        }
        int rc;
        while ((rc = sqlite3_step(insert)) == SQLITE_ROW) returned++;
        check(rc, db, "insert");
        sqlite3_reset(insert);
    }
    clock_gettime(CLOCK_MONOTONIC, &w1);
    getrusage(RUSAGE_SELF, &r1);
    long done = (messages / batch) * batch;
    double user = seconds(r1.ru_utime) - seconds(r0.ru_utime), sys = seconds(r1.ru_stime) - seconds(r0.ru_stime);
    double wall = (double)(w1.tv_sec - w0.tv_sec) + (double)(w1.tv_nsec - w0.tv_nsec) / 1e9;
    printf("rows=%ld returned=%ld batch=%ld conversations=%ld: CPU %.1f us/row (user %.1f, system %.1f), wall %.1f us/row\n",
           done, returned, batch, conversations, (user + sys) / done * 1e6, user / done * 1e6, sys / done * 1e6,
           wall / done * 1e6);
    sqlite3_finalize(insert);
    sqlite3_close(db);
    return returned == done ? 0 : 1;
}
