// FormsTree: node table, refreshes (form list, schemas, keys, submissions, attachment drops),
// reads and deletion of the forms/ folder. See forms_tree.hpp for the shape and the locking rules.
#include "anonfs/vfs/forms_tree.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <utility>
#include <variant>

#include "anonfs/api/api_error.hpp"
#include "anonfs/crypto/drop_codec.hpp"
#include "anonfs/crypto/error.hpp"
#include "anonfs/crypto/form_keys.hpp"
#include "anonfs/vfs/api_errors.hpp"
#include "anonfs/vfs/chunk_reader.hpp"
#include "anonfs/vfs/drop_chunk_source.hpp"
#include "anonfs/vfs/drop_downloads.hpp"
#include "anonfs/vfs/form_render.hpp"
#include "anonfs/vfs/iso_time.hpp"
#include "anonfs/vfs/names.hpp"
#include "anonfs/vfs/opened_drop.hpp"

namespace anonfs::vfs {
namespace {

using Clock = std::chrono::steady_clock;
using Text = std::shared_ptr<const crypto::SecretBytes>;

constexpr std::chrono::duration<double> kShortTtl{1.0};
constexpr std::chrono::duration<double> kAttachmentTtl{60.0};

enum class Role {
  kRoot,
  kForm,
  kSchema,
  kInfo,
  kSubmissions,
  kSubmission,
  kAttachDir,
  kFieldDir,
  kAttachment,
};

// The attachment drop of one submission: opened on first lookup of its folder.
struct AttachmentDrop {
  std::mutex populate_mutex;  // serialises the metadata fetch of this drop
  FormAttachments attachments;
  std::shared_ptr<const crypto::DropKey> key;
  std::shared_ptr<DropDownloads> downloads;
  bool populated = false;  // guarded by tree_mutex
};

struct Node {
  Role role = Role::kRoot;
  NodeId parent = 0;
  std::string name;
  std::string form_id;
  std::string submission_id;
  Text text;                             // schema.json, form.json, submission files
  std::shared_ptr<AttachmentDrop> drop;  // kAttachDir, kFieldDir, kAttachment
  std::optional<DropFile> file;          // kAttachment
  std::map<std::string, NodeId> children;
  std::time_t mtime = 0;
};

struct SubmissionState {
  NodeId file = 0;
  NodeId attach_dir = 0;  // 0: no attachments
  std::optional<std::string> read_at;
};

struct FormState {
  wire::FormListItem item;
  NodeId dir = 0, schema = 0, info = 0, subs_dir = 0;
  // Schema: fetched once per updated_at.
  std::optional<std::string> schema_for;
  nlohmann::json schema_doc = nullptr;
  std::optional<bool> password;
  // Private key: cached once found; a definitive "none" is cached with its reason.
  std::shared_ptr<const crypto::P256PrivateKey> key;
  std::optional<std::string> key_problem;
  // Submissions.
  bool listed = false;
  Clock::time_point listed_at{};
  std::map<std::string, SubmissionState> submissions;  // by submission id
  std::shared_ptr<std::mutex> refresh = std::make_shared<std::mutex>();
};

struct Handle {
  Text text;
  std::shared_ptr<ChunkReader> reader;
};

Text make_text(std::string_view content) {
  return std::make_shared<const crypto::SecretBytes>(crypto::SecretBytes::from_string(content));
}

std::time_t time_or(const std::string& iso, std::time_t fallback) {
  const auto t = parse_iso8601(iso);
  return t ? *t : fallback;
}

}  // namespace

struct FormsTree::Impl {
  Impl(api::FormsClient& f, api::AnonliClient& d, MountContext c, std::optional<crypto::VaultKey> v,
       LocalFormKeys l, FormsTreeOptions o)
      : forms(f),
        drops(d),
        context(c),
        vault_key(std::move(v)),
        local_keys(std::move(l)),
        options(o) {
    nodes[kSubtreeRoot] = Node{};
  }

  api::FormsClient& forms;
  api::AnonliClient& drops;
  const MountContext context;
  const std::optional<crypto::VaultKey> vault_key;
  const LocalFormKeys local_keys;
  const FormsTreeOptions options;

  std::mutex list_mutex;  // serialises refreshes of the form list

  mutable std::mutex tree_mutex;  // guards everything below
  std::map<NodeId, Node> nodes;
  NodeId next_id = kSubtreeRoot + 1;
  std::map<std::string, FormState> forms_by_id;
  wire::FormPlanMeta plan;
  bool listed = false;
  Clock::time_point listed_at{};
  std::map<std::uint64_t, Handle> handles;
  std::uint64_t next_handle = 1;
  FormsTreeStats stats;

  // ---- node table (tree_mutex held) ----

  Node& node_locked(NodeId id) {
    const auto it = nodes.find(id);
    if (it == nodes.end()) throw VfsError(VfsErrc::kNotFound, "forms: no such node");
    return it->second;
  }

  NodeId add_node_locked(NodeId parent, std::string name, Node node) {
    const NodeId id = next_id++;
    node.parent = parent;
    node.name = name;
    nodes[id] = std::move(node);
    nodes.at(parent).children[std::move(name)] = id;
    return id;
  }

  void remove_node_locked(NodeId id) {
    const auto it = nodes.find(id);
    if (it == nodes.end()) return;
    for (const auto& [name, child] : std::map<std::string, NodeId>(it->second.children)) {
      remove_node_locked(child);
    }
    const auto parent = nodes.find(it->second.parent);
    if (parent != nodes.end()) {
      auto& siblings = parent->second.children;
      const auto entry = siblings.find(it->second.name);
      if (entry != siblings.end() && entry->second == id) siblings.erase(entry);
    }
    nodes.erase(it);
  }

  NodeInfo info_locked(NodeId id) {
    const Node& n = node_locked(id);
    NodeInfo info;
    info.id = id;
    info.mtime = n.mtime;
    info.ttl = kShortTtl;
    switch (n.role) {
      case Role::kRoot:
      case Role::kForm:
        info.kind = NodeKind::kDirectory;
        info.mode = 0500;
        break;
      case Role::kSubmissions:
        info.kind = NodeKind::kDirectory;
        info.mode = context.read_only ? 0500 : 0700;
        break;
      case Role::kAttachDir:
      case Role::kFieldDir:
        info.kind = NodeKind::kDirectory;
        info.mode = 0500;
        info.ttl = kAttachmentTtl;
        break;
      case Role::kSchema:
      case Role::kInfo:
      case Role::kSubmission:
        info.kind = NodeKind::kFile;
        info.mode = 0400;
        info.size = n.text ? n.text->size() : 0;
        break;
      case Role::kAttachment:
        info.kind = NodeKind::kFile;
        info.mode = 0400;
        info.size = n.file ? n.file->size : 0;
        info.ttl = kAttachmentTtl;
        break;
    }
    return info;
  }

  FormState& form_locked(const std::string& form_id) {
    const auto it = forms_by_id.find(form_id);
    if (it == forms_by_id.end())
      throw VfsError(VfsErrc::kNotFound, "forms: form " + form_id + " is gone");
    return it->second;
  }

  // ---- form list ----

  void ensure_forms() {
    {
      std::lock_guard lock(tree_mutex);
      if (listed && Clock::now() - listed_at < options.list_ttl) return;
    }
    std::lock_guard refresh(list_mutex);
    {
      std::lock_guard lock(tree_mutex);
      if (listed && Clock::now() - listed_at < options.list_ttl) return;
    }
    api::FormListing listing;
    try {
      listing = forms.list_forms();
    } catch (const api::ApiError& e) {
      std::lock_guard lock(tree_mutex);
      ++stats.form_list_requests;
      if (!listed) throw to_vfs_error(e, "listing forms");
      spdlog::warn("forms: listing failed, showing the previous list: {}", e.what());
      listed_at = Clock::now();
      return;
    }
    std::lock_guard lock(tree_mutex);
    ++stats.form_list_requests;
    plan = listing.plan;
    std::set<std::string> present;
    const std::time_t now = std::time(nullptr);
    for (auto& item : listing.forms) {
      present.insert(item.id);
      const std::string folder = drop_folder_name(item.title, item.id);
      auto [it, inserted] = forms_by_id.try_emplace(item.id);
      FormState& f = it->second;
      if (inserted) {
        Node dir;
        dir.role = Role::kForm;
        dir.form_id = item.id;
        f.dir = add_node_locked(kSubtreeRoot, folder, std::move(dir));
        Node schema;
        schema.role = Role::kSchema;
        schema.form_id = item.id;
        f.schema = add_node_locked(f.dir, "schema.json", std::move(schema));
        Node info;
        info.role = Role::kInfo;
        info.form_id = item.id;
        f.info = add_node_locked(f.dir, "form.json", std::move(info));
        Node subs;
        subs.role = Role::kSubmissions;
        subs.form_id = item.id;
        f.subs_dir = add_node_locked(f.dir, "submissions", std::move(subs));
      } else if (nodes.at(f.dir).name != folder) {  // renamed
        auto& root = nodes.at(kSubtreeRoot).children;
        root.erase(nodes.at(f.dir).name);
        nodes.at(f.dir).name = folder;
        root[folder] = f.dir;
      }
      f.item = std::move(item);
      const std::time_t created = time_or(f.item.created_at, now);
      const std::time_t updated = time_or(f.item.updated_at, created);
      for (const NodeId id : {f.dir, f.schema, f.info, f.subs_dir})
        nodes.at(id).mtime = id == f.dir ? created : updated;
      nodes.at(f.info).text =
          make_text(render_form_info(f.item, plan, forms.public_url(f.item.id), f.password, now));
    }
    for (auto it = forms_by_id.begin(); it != forms_by_id.end();) {
      if (present.contains(it->first)) {
        ++it;
        continue;
      }
      remove_node_locked(it->second.dir);
      it = forms_by_id.erase(it);
    }
    listed = true;
    listed_at = Clock::now();
  }

  // ---- schema (form refresh mutex held, tree_mutex not) ----

  void ensure_schema(const std::string& form_id) {
    std::string updated_at;
    {
      std::lock_guard lock(tree_mutex);
      const FormState& f = form_locked(form_id);
      if (f.schema_for && *f.schema_for == f.item.updated_at) return;
      updated_at = f.item.updated_at;
    }
    nlohmann::json schema = nullptr;
    std::optional<bool> password;
    std::string problem;
    try {
      const wire::PublicForm pub = forms.public_form(form_id);
      schema = pub.schema;
      password = pub.custom_key;
      if (schema.is_null() && pub.custom_key) {
        problem = "the schema of a password-protected form is not available with an API key";
      }
    } catch (const api::ApiError& e) {
      if (e.kind() != api::ErrorKind::kHttpStatus) throw to_vfs_error(e, "form " + form_id);
      // Disabled, closed or taken-down forms are 410 for the public route.
      problem = "the server does not show this form's schema (" + std::to_string(e.status()) + " " +
                e.message() + ")";
    }
    if (schema.is_null() && local_keys) {
      if (auto stored = local_keys(form_id); stored && stored->schema.is_object()) {
        schema = std::move(stored->schema);
      }
    }
    std::string text;
    if (schema.is_object()) {
      text = schema.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    } else {
      text = nlohmann::json({{"error", problem}}).dump(2) + "\n";
    }
    std::lock_guard lock(tree_mutex);
    ++stats.schema_requests;
    FormState& f = form_locked(form_id);
    f.schema_for = updated_at;
    f.schema_doc = std::move(schema);
    f.password = password;
    nodes.at(f.schema).text = make_text(text);
    nodes.at(f.info).text = make_text(
        render_form_info(f.item, plan, forms.public_url(form_id), f.password, std::time(nullptr)));
  }

  // ---- private key (form refresh mutex held, tree_mutex not) ----

  void ensure_key(const std::string& form_id) {
    {
      std::lock_guard lock(tree_mutex);
      const FormState& f = form_locked(form_id);
      if (f.key || f.key_problem) return;
    }
    std::shared_ptr<const crypto::P256PrivateKey> key;
    std::string problem;
    if (!vault_key) {
      problem = "no vault key: mount with the vault password to read submissions";
    } else {
      std::optional<std::string> wrapped;
      try {
        {
          std::lock_guard lock(tree_mutex);
          ++stats.key_requests;
        }
        if (auto k = forms.form_key(form_id)) wrapped = std::move(k->wrapped);
      } catch (const api::ApiError& e) {
        // The real service has no such route; a transient failure is retried next time.
        if (e.kind() != api::ErrorKind::kHttpStatus) throw to_vfs_error(e, "form key " + form_id);
        spdlog::debug("forms: no form key from the server for {}: {}", form_id, e.what());
      }
      const auto unwrap = [&](const std::string& blob) -> bool {
        try {
          key = std::make_shared<const crypto::P256PrivateKey>(
              crypto::unwrap_form_private_key(vault_key->bytes(), blob));
          return true;
        } catch (const crypto::CryptoError& e) {
          problem = std::string("the vault key does not open this form's private key: ") + e.what();
          return false;
        }
      };
      bool ok = wrapped && unwrap(*wrapped);
      if (!ok && local_keys) {
        if (auto stored = local_keys(form_id)) ok = unwrap(stored->wrapped);
      }
      if (!ok && problem.empty()) {
        problem =
            "no private key for this form: the server offers none for API keys and this client "
            "did not create the form";
      }
    }
    std::lock_guard lock(tree_mutex);
    FormState& f = form_locked(form_id);
    if (key) {
      f.key = std::move(key);
    } else {
      f.key_problem = problem;
    }
  }

  // ---- submissions ----

  void ensure_submissions(const std::string& form_id) {
    std::shared_ptr<std::mutex> refresh;
    {
      std::lock_guard lock(tree_mutex);
      FormState& f = form_locked(form_id);
      if (f.listed && Clock::now() - f.listed_at < options.submissions_ttl) return;
      refresh = f.refresh;
    }
    std::lock_guard serial(*refresh);
    std::map<std::string, std::optional<std::string>> known;  // sid -> read_at already shown
    {
      std::lock_guard lock(tree_mutex);
      FormState& f = form_locked(form_id);
      if (f.listed && Clock::now() - f.listed_at < options.submissions_ttl) return;
      for (const auto& [sid, s] : f.submissions)
        known[sid] = s.read_at;
    }
    ensure_schema(form_id);
    ensure_key(form_id);
    std::vector<wire::SubmissionListItem> items;
    try {
      items = forms.list_submissions(form_id, /*include_payload=*/true);
    } catch (const api::ApiError& e) {
      std::lock_guard lock(tree_mutex);
      ++stats.submission_list_requests;
      FormState& f = form_locked(form_id);
      if (!f.listed) throw to_vfs_error(e, "listing the submissions of form " + form_id);
      spdlog::warn("forms: listing submissions of {} failed, showing the previous list: {}",
                   form_id, e.what());
      f.listed_at = Clock::now();
      return;
    }
    std::shared_ptr<const crypto::P256PrivateKey> key;
    std::string key_problem;
    nlohmann::json schema;
    {
      std::lock_guard lock(tree_mutex);
      const FormState& f = form_locked(form_id);
      key = f.key;
      key_problem = f.key_problem.value_or("");
      schema = f.schema_doc;
    }
    // Open what is new or changed, outside the lock.
    std::map<std::string, OpenedSubmission> opened;
    for (const auto& item : items) {
      const auto k = known.find(item.id);
      if (k != known.end() && k->second == item.read_at) continue;
      opened.emplace(item.id, open_submission(key.get(), key_problem, schema, form_id, item));
      if (!opened.at(item.id).ok) {
        spdlog::warn("forms: submission {} of form {} shown as an error file", item.id, form_id);
      }
    }
    std::lock_guard lock(tree_mutex);
    ++stats.submission_list_requests;
    stats.decryptions += opened.size();
    FormState& f = form_locked(form_id);
    std::set<std::string> present;
    for (const auto& item : items) {
      present.insert(item.id);
      const auto o = opened.find(item.id);
      if (o == opened.end()) continue;  // unchanged
      auto& state = f.submissions[item.id];
      const std::string stem = submission_stem(item.created_at, item.id);
      const std::time_t mtime = time_or(item.created_at, 0);
      Text text = std::make_shared<const crypto::SecretBytes>(std::move(o->second.text));
      if (state.file != 0 && nodes.contains(state.file)) {
        nodes.at(state.file).text = std::move(text);
      } else {
        Node file;
        file.role = Role::kSubmission;
        file.form_id = form_id;
        file.submission_id = item.id;
        file.text = std::move(text);
        file.mtime = mtime;
        state.file = add_node_locked(f.subs_dir, stem + ".json", std::move(file));
      }
      if (o->second.attachments && state.attach_dir == 0) {
        Node dir;
        dir.role = Role::kAttachDir;
        dir.form_id = form_id;
        dir.submission_id = item.id;
        dir.mtime = mtime;
        dir.drop = std::make_shared<AttachmentDrop>();
        dir.drop->attachments = std::move(*o->second.attachments);
        state.attach_dir = add_node_locked(f.subs_dir, stem, std::move(dir));
      }
      state.read_at = item.read_at;
    }
    for (auto it = f.submissions.begin(); it != f.submissions.end();) {
      if (present.contains(it->first)) {
        ++it;
        continue;
      }
      remove_node_locked(it->second.file);
      if (it->second.attach_dir) remove_node_locked(it->second.attach_dir);
      it = f.submissions.erase(it);
    }
    f.listed = true;
    f.listed_at = Clock::now();
  }

  // ---- attachment drops ----

  void ensure_attachments(NodeId dir_id) {
    std::shared_ptr<AttachmentDrop> drop;
    {
      std::lock_guard lock(tree_mutex);
      drop = node_locked(dir_id).drop;
      if (!drop || drop->populated) return;
    }
    std::lock_guard serial(drop->populate_mutex);
    {
      std::lock_guard lock(tree_mutex);
      if (drop->populated) return;
    }
    const std::string& drop_id = drop->attachments.drop_id;
    std::shared_ptr<const crypto::DropKey> key;
    try {
      key = std::make_shared<const crypto::DropKey>(
          crypto::DropKey::parse(drop->attachments.key.str()));
    } catch (const crypto::CryptoError&) {
      throw VfsError(VfsErrc::kIo, "attachments " + drop_id + ": malformed key in the submission");
    }
    wire::DropMetadata metadata;
    try {
      metadata = drops.drop_metadata(drop_id);
    } catch (const api::ApiError& e) {
      throw to_vfs_error(e, "attachments " + drop_id);
    }
    OpenedDrop opened = open_drop(metadata, *key);
    auto downloads =
        std::make_shared<DropDownloads>(drops, drop_id, metadata.maxDownloads.has_value());
    std::lock_guard lock(tree_mutex);
    ++stats.attachment_metadata_requests;
    if (drop->populated || !nodes.contains(dir_id)) return;
    drop->key = key;
    drop->downloads = downloads;
    for (const FormAttachment& a : drop->attachments.files) {
      const auto file = std::find_if(opened.files.begin(), opened.files.end(),
                                     [&](const DropFile& f) { return f.file_id == a.file_id; });
      if (file == opened.files.end()) {
        spdlog::warn("forms: attachment {} is not in drop {}", a.file_id, drop_id);
        continue;
      }
      Node& dir = nodes.at(dir_id);
      NodeId field_id;
      if (const auto it = dir.children.find(a.field); it != dir.children.end()) {
        field_id = it->second;
      } else {
        Node field;
        field.role = Role::kFieldDir;
        field.drop = drop;
        field.mtime = dir.mtime;
        field_id = add_node_locked(dir_id, a.field, std::move(field));
      }
      std::string name = a.name;
      for (unsigned n = 2; nodes.at(field_id).children.contains(name); ++n)
        name = numbered_name(a.name, n, false);
      Node leaf;
      leaf.role = Role::kAttachment;
      leaf.drop = drop;
      leaf.file = *file;
      leaf.mtime = nodes.at(dir_id).mtime;
      add_node_locked(field_id, name, std::move(leaf));
    }
    drop->populated = true;
  }

  // Makes the content of directory `id` current (no lock held on entry).
  void ensure_dir(NodeId id) {
    Role role;
    std::string form_id;
    {
      std::lock_guard lock(tree_mutex);
      const Node& n = node_locked(id);
      role = n.role;
      form_id = n.form_id;
    }
    switch (role) {
      case Role::kRoot:
        ensure_forms();
        break;
      case Role::kForm: {
        ensure_forms();
        std::shared_ptr<std::mutex> refresh;
        {
          std::lock_guard lock(tree_mutex);
          refresh = form_locked(form_id).refresh;
        }
        std::lock_guard serial(*refresh);
        ensure_schema(form_id);
        break;
      }
      case Role::kSubmissions:
        ensure_submissions(form_id);
        break;
      case Role::kAttachDir:
        ensure_attachments(id);
        break;
      case Role::kFieldDir:
        break;
      default:
        throw VfsError(VfsErrc::kNotDirectory, "forms: not a directory");
    }
  }
};

FormsTree::FormsTree(api::FormsClient& forms, api::AnonliClient& drops, MountContext context,
                     std::optional<crypto::VaultKey> vault_key, LocalFormKeys local_keys,
                     FormsTreeOptions options)
    : Subtree(context.read_only),
      impl_(std::make_unique<Impl>(forms, drops, context, std::move(vault_key),
                                   std::move(local_keys), options)) {}

FormsTree::~FormsTree() = default;

NodeInfo FormsTree::getattr(NodeId id) {
  std::lock_guard lock(impl_->tree_mutex);
  return impl_->info_locked(id);
}

NodeInfo FormsTree::lookup(NodeId parent, std::string_view name) {
  impl_->ensure_dir(parent);
  std::lock_guard lock(impl_->tree_mutex);
  const Node& dir = impl_->node_locked(parent);
  const auto it = dir.children.find(std::string(name));
  if (it == dir.children.end()) {
    throw VfsError(VfsErrc::kNotFound, "forms: no " + std::string(name));
  }
  return impl_->info_locked(it->second);
}

std::vector<SubtreeEntry> FormsTree::readdir(NodeId dir) {
  impl_->ensure_dir(dir);
  std::lock_guard lock(impl_->tree_mutex);
  const Node& n = impl_->node_locked(dir);
  std::vector<SubtreeEntry> out;
  out.reserve(n.children.size());
  for (const auto& [name, child] : n.children)
    out.push_back({name, impl_->info_locked(child)});
  return out;
}

OpenedFile FormsTree::open(NodeId id, OpenMode mode) {
  if (mode.write || mode.truncate || mode.append) refuse("write");
  std::shared_ptr<AttachmentDrop> drop;
  DropFile file;
  {
    std::lock_guard lock(impl_->tree_mutex);
    const Node& n = impl_->node_locked(id);
    if (n.role != Role::kAttachment) {
      if (!n.text) throw VfsError(VfsErrc::kIsDirectory, "forms: not a file");
      const std::uint64_t handle = impl_->next_handle++;
      impl_->handles[handle] = Handle{n.text, nullptr};
      return OpenedFile{handle, false, false};
    }
    drop = n.drop;
    file = *n.file;
    if (!drop || !drop->key || !drop->downloads) {
      throw VfsError(VfsErrc::kIo, "forms: the attachment drop is not readable");
    }
  }
  const std::string cache_id = drop->attachments.drop_id + "/" + file.file_id;
  const crypto::ChunkLayout layout = file.layout;
  auto source = std::make_shared<DropChunkSource>(*impl_->context.http, drop->downloads, drop->key,
                                                  drop->attachments.drop_id, std::move(file));
  auto reader = std::make_shared<ChunkReader>(cache_id, layout, std::move(source),
                                              *impl_->context.cache, impl_->context.prefetcher);
  std::lock_guard lock(impl_->tree_mutex);
  const std::uint64_t handle = impl_->next_handle++;
  impl_->handles[handle] = Handle{nullptr, std::move(reader)};
  // Attachments are immutable: the kernel may keep their pages.
  return OpenedFile{handle, false, true};
}

std::size_t FormsTree::read(std::uint64_t handle, std::uint64_t offset,
                            std::span<std::uint8_t> out) {
  Handle h;
  {
    std::lock_guard lock(impl_->tree_mutex);
    const auto it = impl_->handles.find(handle);
    if (it == impl_->handles.end()) throw VfsError(VfsErrc::kInvalidArgument, "forms: bad handle");
    h = it->second;
  }
  if (h.reader) return h.reader->read(offset, out);
  if (offset >= h.text->size() || out.empty()) return 0;
  const std::size_t n = std::min<std::uint64_t>(out.size(), h.text->size() - offset);
  std::memcpy(out.data(), h.text->data() + offset, n);
  return n;
}

void FormsTree::release(std::uint64_t handle) {
  Handle h;  // destroyed outside the lock
  std::lock_guard lock(impl_->tree_mutex);
  const auto it = impl_->handles.find(handle);
  if (it == impl_->handles.end()) return;
  h = std::move(it->second);
  impl_->handles.erase(it);
}

void FormsTree::unlink(NodeId parent, std::string_view name) {
  std::string form_id, submission_id;
  {
    std::lock_guard lock(impl_->tree_mutex);
    const Node& dir = impl_->node_locked(parent);
    const auto it = dir.children.find(std::string(name));
    if (it == dir.children.end()) {
      throw VfsError(VfsErrc::kNotFound, "forms: no " + std::string(name));
    }
    const Node& n = impl_->node_locked(it->second);
    if (n.role != Role::kSubmission) refuse("unlink");
    form_id = n.form_id;
    submission_id = n.submission_id;
  }
  if (read_only()) refuse("unlink");
  bool gone = false;
  try {
    impl_->forms.delete_submission(submission_id);
  } catch (const api::ApiError& e) {
    if (e.kind() != api::ErrorKind::kHttpStatus || e.status() != 404) {
      throw to_vfs_error(e, "deleting submission " + submission_id);
    }
    gone = true;
  }
  std::lock_guard lock(impl_->tree_mutex);
  const auto f = impl_->forms_by_id.find(form_id);
  if (f != impl_->forms_by_id.end()) {
    const auto s = f->second.submissions.find(submission_id);
    if (s != f->second.submissions.end()) {
      impl_->remove_node_locked(s->second.file);
      if (s->second.attach_dir) impl_->remove_node_locked(s->second.attach_dir);
      f->second.submissions.erase(s);
    }
  }
  if (gone) throw VfsError(VfsErrc::kNotFound, "forms: submission " + submission_id + " is gone");
}

std::optional<std::string> FormsTree::getxattr(NodeId id, std::string_view name) {
  std::lock_guard lock(impl_->tree_mutex);
  const Node& n = impl_->node_locked(id);
  if (name == "user.anonfs.id") {
    if (!n.submission_id.empty()) return n.submission_id;
    if (!n.form_id.empty()) return n.form_id;
  }
  if (name == "user.anonfs.form" && !n.form_id.empty()) return n.form_id;
  return std::nullopt;
}

std::vector<std::string> FormsTree::listxattr(NodeId id) {
  std::lock_guard lock(impl_->tree_mutex);
  const Node& n = impl_->node_locked(id);
  if (n.form_id.empty()) return {};
  return {"user.anonfs.id", "user.anonfs.form"};
}

FormsTreeStats FormsTree::stats() const {
  std::lock_guard lock(impl_->tree_mutex);
  return impl_->stats;
}

}  // namespace anonfs::vfs
