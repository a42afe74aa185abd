// RAII wrappers around SQLite: a connection (Db), prepared statements (Stmt) and transactions
// (Transaction). One connection is shared by the whole server and serialised by Db::mutex(); every
// caller holds a Db::Lock while it uses statements.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace anonfs::server {

class DbError : public std::runtime_error {
 public:
  DbError(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
  int code() const noexcept { return code_; }

 private:
  int code_;
};

class Db {
 public:
  using Lock = std::unique_lock<std::mutex>;

  // Opens (creating if needed) the database file with WAL, foreign keys, synchronous=FULL.
  explicit Db(const std::filesystem::path& path);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  Lock lock() { return Lock(mutex_); }
  sqlite3* handle() const noexcept { return db_; }
  void exec(const std::string& sql);
  std::int64_t changes() const noexcept { return sqlite3_changes64(db_); }
  std::int64_t user_version();
  void set_user_version(std::int64_t version);

 private:
  sqlite3* db_ = nullptr;
  std::mutex mutex_;
};

class Stmt {
 public:
  Stmt(Db& db, std::string_view sql);
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  // Bind by 1-based index. Returns *this for chaining.
  Stmt& bind(int index, std::int64_t value);
  Stmt& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Stmt& bind(int index, bool value) { return bind(index, static_cast<std::int64_t>(value)); }
  Stmt& bind(int index, std::string_view value);
  Stmt& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
  Stmt& bind(int index, const std::string& value) { return bind(index, std::string_view(value)); }
  Stmt& bind_null(int index);
  template <typename T>
  Stmt& bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bind_null(index);
  }

  // Steps once; true if a row is available.
  bool step();
  // Steps to completion, expecting no rows.
  void run();
  void reset();

  bool is_null(int col) const;
  std::int64_t int64(int col) const;
  bool boolean(int col) const { return int64(col) != 0; }
  std::string text(int col) const;
  std::optional<std::int64_t> opt_int64(int col) const;
  std::optional<std::string> opt_text(int col) const;

 private:
  Db& db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// BEGIN IMMEDIATE on construction; rolls back on destruction unless commit() was called.
class Transaction {
 public:
  explicit Transaction(Db& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Db& db_;
  bool done_ = false;
};

}  // namespace anonfs::server
