// SQL helpers: drops, files, parts and finish-time chunk records.
#include "store.hpp"

namespace anonfs::server::store {

namespace {
constexpr const char* kDropCols =
    "id, user_id, encrypted_title, encrypted_message, iv, custom_key, salt, custom_key_data, "
    "custom_key_iv, downloads, max_downloads, expires_at, hide_branding, notify_on_download, "
    "disabled, taken_down, takedown_reason, upload_complete, max_file_count, deleted_at, "
    "created_at";

Drop read_drop(const Stmt& s) {
  Drop d;
  d.id = s.text(0);
  d.user_id = s.opt_text(1);
  d.encrypted_title = s.opt_text(2);
  d.encrypted_message = s.opt_text(3);
  d.iv = s.text(4);
  d.custom_key = s.boolean(5);
  d.salt = s.opt_text(6);
  d.custom_key_data = s.opt_text(7);
  d.custom_key_iv = s.opt_text(8);
  d.downloads = s.int64(9);
  d.max_downloads = s.opt_int64(10);
  d.expires_at = s.opt_int64(11);
  d.hide_branding = s.boolean(12);
  d.notify_on_download = s.boolean(13);
  d.disabled = s.boolean(14);
  d.taken_down = s.boolean(15);
  d.takedown_reason = s.opt_text(16);
  d.upload_complete = s.boolean(17);
  d.max_file_count = s.opt_int64(18);
  d.deleted_at = s.opt_int64(19);
  d.created_at = s.int64(20);
  return d;
}

constexpr const char* kFileCols =
    "id, drop_id, encrypted_name, size, mime_type, iv, chunk_size, chunk_count, upload_id, "
    "form_field_id, complete, created_at";

File read_file(const Stmt& s) {
  File f;
  f.id = s.text(0);
  f.drop_id = s.text(1);
  f.encrypted_name = s.text(2);
  f.size = s.int64(3);
  f.mime_type = s.text(4);
  f.iv = s.text(5);
  f.chunk_size = s.int64(6);
  f.chunk_count = s.int64(7);
  f.upload_id = s.text(8);
  f.form_field_id = s.opt_text(9);
  f.complete = s.boolean(10);
  f.created_at = s.int64(11);
  return f;
}
}  // namespace

void insert_drop(Db& db, const Drop& d) {
  Stmt s(db, std::string("INSERT INTO drops(") + kDropCols +
                 ") VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  s.bind(1, d.id).bind(2, d.user_id).bind(3, d.encrypted_title).bind(4, d.encrypted_message);
  s.bind(5, d.iv).bind(6, d.custom_key).bind(7, d.salt).bind(8, d.custom_key_data);
  s.bind(9, d.custom_key_iv).bind(10, d.downloads).bind(11, d.max_downloads);
  s.bind(12, d.expires_at).bind(13, d.hide_branding).bind(14, d.notify_on_download);
  s.bind(15, d.disabled).bind(16, d.taken_down).bind(17, d.takedown_reason);
  s.bind(18, d.upload_complete).bind(19, d.max_file_count).bind(20, d.deleted_at);
  s.bind(21, d.created_at);
  s.run();
}

std::optional<Drop> find_drop(Db& db, const std::string& id) {
  Stmt s(db, std::string("SELECT ") + kDropCols + " FROM drops WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_drop(s);
}

std::vector<Drop> list_user_drops(Db& db, const std::string& user_id, std::int64_t limit,
                                  std::int64_t offset) {
  Stmt s(db, std::string("SELECT ") + kDropCols +
                 " FROM drops WHERE user_id = ? AND deleted_at IS NULL AND form_id IS NULL "
                 "ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?");
  s.bind(1, user_id).bind(2, limit).bind(3, offset);
  std::vector<Drop> out;
  while (s.step())
    out.push_back(read_drop(s));
  return out;
}

std::int64_t count_user_drops(Db& db, const std::string& user_id) {
  Stmt s(db,
         "SELECT COUNT(*) FROM drops WHERE user_id = ? AND deleted_at IS NULL AND "
         "form_id IS NULL");
  s.bind(1, user_id);
  s.step();
  return s.int64(0);
}

std::int64_t count_incomplete_drops(Db& db, const std::string& user_id) {
  Stmt s(db,
         "SELECT COUNT(*) FROM drops d WHERE d.user_id = ? AND d.upload_complete = 0 AND "
         "d.deleted_at IS NULL AND d.form_id IS NULL AND "
         "EXISTS (SELECT 1 FROM drop_files f WHERE f.drop_id = d.id)");
  s.bind(1, user_id);
  s.step();
  return s.int64(0);
}

void set_drop_complete(Db& db, const std::string& id) {
  Stmt s(db, "UPDATE drops SET upload_complete = 1 WHERE id = ?");
  s.bind(1, id);
  s.run();
}

void set_drop_disabled(Db& db, const std::string& id, bool disabled) {
  Stmt s(db, "UPDATE drops SET disabled = ? WHERE id = ?");
  s.bind(1, disabled).bind(2, id);
  s.run();
}

void soft_delete_drop(Db& db, const std::string& id, std::int64_t now) {
  Stmt s(db, "UPDATE drops SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL");
  s.bind(1, now).bind(2, id);
  s.run();
}

void delete_drop_row(Db& db, const std::string& id) {
  Stmt s(db, "DELETE FROM drops WHERE id = ?");
  s.bind(1, id);
  s.run();
}

std::optional<std::int64_t> count_download(Db& db, const std::string& id) {
  Stmt s(db,
         "UPDATE drops SET downloads = downloads + 1 WHERE id = ? AND "
         "(max_downloads IS NULL OR downloads < max_downloads) RETURNING downloads");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  auto count = s.int64(0);
  s.run();
  return count;
}

void insert_file(Db& db, const File& f) {
  Stmt s(db,
         std::string("INSERT INTO drop_files(") + kFileCols + ") VALUES(?,?,?,?,?,?,?,?,?,?,?,?)");
  s.bind(1, f.id).bind(2, f.drop_id).bind(3, f.encrypted_name).bind(4, f.size);
  s.bind(5, f.mime_type).bind(6, f.iv).bind(7, f.chunk_size).bind(8, f.chunk_count);
  s.bind(9, f.upload_id).bind(10, f.form_field_id).bind(11, f.complete).bind(12, f.created_at);
  s.run();
}

std::optional<File> find_file(Db& db, const std::string& id) {
  Stmt s(db, std::string("SELECT ") + kFileCols + " FROM drop_files WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_file(s);
}

bool file_exists(Db& db, const std::string& id) {
  Stmt s(db, "SELECT 1 FROM drop_files WHERE id = ?");
  s.bind(1, id);
  return s.step();
}

std::vector<File> files_of(Db& db, const std::string& drop_id) {
  Stmt s(db, std::string("SELECT ") + kFileCols +
                 " FROM drop_files WHERE drop_id = ? ORDER BY created_at, rowid");
  s.bind(1, drop_id);
  std::vector<File> out;
  while (s.step())
    out.push_back(read_file(s));
  return out;
}

void set_file_complete(Db& db, const std::string& id) {
  Stmt s(db, "UPDATE drop_files SET complete = 1 WHERE id = ?");
  s.bind(1, id);
  s.run();
}

void delete_file_row(Db& db, const std::string& id) {
  Stmt s(db, "DELETE FROM drop_files WHERE id = ?");
  s.bind(1, id);
  s.run();
}

void upsert_part(Db& db, const std::string& file_id, std::int64_t part_number,
                 const std::string& etag, std::int64_t size) {
  Stmt s(db,
         "INSERT INTO file_parts(file_id, part_number, etag, size) VALUES(?,?,?,?) "
         "ON CONFLICT(file_id, part_number) DO UPDATE SET etag = excluded.etag, "
         "size = excluded.size");
  s.bind(1, file_id).bind(2, part_number).bind(3, etag).bind(4, size);
  s.run();
}

std::map<std::int64_t, Part> parts_of(Db& db, const std::string& file_id) {
  Stmt s(db, "SELECT part_number, etag, size FROM file_parts WHERE file_id = ?");
  s.bind(1, file_id);
  std::map<std::int64_t, Part> out;
  while (s.step())
    out[s.int64(0)] = Part{s.text(1), s.int64(2)};
  return out;
}

std::map<std::int64_t, std::string> chunks_of(Db& db, const std::string& file_id) {
  Stmt s(db, "SELECT chunk_index, etag FROM file_chunks WHERE file_id = ?");
  s.bind(1, file_id);
  std::map<std::int64_t, std::string> out;
  while (s.step())
    out[s.int64(0)] = s.text(1);
  return out;
}

void insert_chunk(Db& db, const std::string& file_id, std::int64_t index, const std::string& etag) {
  Stmt s(db, "INSERT OR IGNORE INTO file_chunks(file_id, chunk_index, etag) VALUES(?,?,?)");
  s.bind(1, file_id).bind(2, index).bind(3, etag);
  s.run();
}

std::vector<std::string> drops_to_reap(Db& db, std::int64_t expired_before,
                                       std::int64_t created_before, std::int64_t deleted_before) {
  Stmt s(db,
         "SELECT id FROM drops WHERE (expires_at IS NOT NULL AND expires_at < ?) OR "
         "(upload_complete = 0 AND created_at < ?) OR "
         "(deleted_at IS NOT NULL AND deleted_at < ?)");
  s.bind(1, expired_before).bind(2, created_before).bind(3, deleted_before);
  std::vector<std::string> out;
  while (s.step())
    out.push_back(s.text(0));
  return out;
}

}  // namespace anonfs::server::store
