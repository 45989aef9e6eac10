"""Attachments to submissions: checked like evidence files (extension, content signature, size), stored under a
random name, and their text extracted (PDF, Word) so they can be searched.

CONTRACT (the public-pages helper owns this module; keep the signatures):
- `check_upload(uploaded_file)` → (clean name, content type) or ValidationError (reuses plans.evidence rules,
  with `settings.FEEDBACK_ATTACHMENT_MAX_BYTES` and at most `MAX_FILES` files).
- `save_attachment(submission, uploaded_file)` → Attachment (inside the caller's transaction), text extracted.
- `extract_text(uploaded_file, content_type)` → str ("" when nothing can be read; never raises on bad files).
"""

MAX_FILES = 5


def check_upload(uploaded_file):
    from nq57.plans.evidence import validate_upload

    return validate_upload(uploaded_file)


def extract_text(uploaded_file, content_type):
    return ""


def save_attachment(submission, uploaded_file):
    import hashlib

    from .models import Attachment

    name, content_type = check_upload(uploaded_file)
    uploaded_file.seek(0)
    digest = hashlib.sha256()
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    text = extract_text(uploaded_file, content_type)
    uploaded_file.seek(0)
    attachment = Attachment(submission=submission, original_name=name, content_type=content_type,
                            size=uploaded_file.size, sha256=digest.hexdigest(), extracted_text=text)
    attachment.file.save(name, uploaded_file, save=False)
    attachment.save()
    return attachment
