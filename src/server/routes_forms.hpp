// Registration of the Form API routes (protocol §9, §11, §12).
#pragma once

#include "router.hpp"

namespace anonfs::server {

// Owner form routes, the public form GET and password unlock (routes_forms.cpp).
void register_form_routes(Router& router);
// Public submit and attachment upload tokens (routes_form_submit.cpp).
void register_form_submit_routes(Router& router);
// Owner submission routes (routes_form_submissions.cpp).
void register_form_submission_routes(Router& router);

}  // namespace anonfs::server
