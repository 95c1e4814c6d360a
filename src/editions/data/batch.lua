-- A pandoc custom reader that converts a whole build's Markdown in one pandoc process.
--
-- Input: JSON {extensions, csl, references (CSL JSON text), fields = [{key, text, shift}],
-- groups = [{key, fields = [...]}]}. Every field is parsed on its own, so no text can
-- reach into another; fields of a group share one citeproc run (an edition's numbering).
-- Output: one RawBlock holding JSON {fields = {key = html}, groups = {key = {fields, bibliography}}}.

local ALLOWED_LINK = { "^https?://", "^mailto:" }

local function allowed(target)
  for _, pattern in ipairs(ALLOWED_LINK) do
    if target:lower():match(pattern) then return true end
  end
  return false
end

-- Images are files shipped in the publication's images/ folder (check vets each file);
-- anything else, and any image without alt text, is printed as its alt text only.
local IMAGE_TYPES = { png = true, jpg = true, jpeg = true, gif = true, webp = true }

local function allowed_image(src)
  if not src:match("^images/[%w_%-][%w%._/%-]*$") then return false end
  if src:match("%.%.") or src:match("//") or src:match("/%.") then return false end
  local extension = src:match("%.(%w+)$")
  return extension ~= nil and IMAGE_TYPES[extension:lower()] == true
end

local function clear(el)
  el.attr = pandoc.Attr()
  return el
end

-- Contributors' text is untrusted: no attributes, no raw markup, only web and mail links.
local function sanitizer()
  return {
    RawInline = function() return {} end,
    RawBlock = function() return {} end,
    Span = function(el) return el.content end,
    Div = function(el) return el.content end,
    Link = function(el)
      if not allowed(el.target) then return el.content end
      el.title = ""
      return clear(el)
    end,
    Image = function(el)
      local alt = pandoc.utils.stringify(el.caption)
      if alt == "" then return {} end
      if not allowed_image(el.src) then
        return pandoc.Emph({ pandoc.Str("[" .. alt .. "]") })
      end
      el.caption = { pandoc.Str(alt) }
      el.title = ""
      return clear(el)
    end,
    Figure = function(el) return el.content end,
    Header = clear,
    Code = clear,
    CodeBlock = clear,
    -- column widths and alignments would come out as style attributes: the page decides
    Table = function(el)
      for index, spec in ipairs(el.colspecs) do
        el.colspecs[index] = { pandoc.AlignDefault, pandoc.ColWidthDefault }
      end
      return clear(el)
    end,
  }
end

-- Headings go under the page's own (at level `shift`) without skipping a level, whatever
-- levels the writer used: the field's top level becomes shift + 1, and no heading is more
-- than one level below the one before it.
local function demote(doc, shift)
  local top
  doc:walk({ Header = function(el)
    if top == nil or el.level < top then top = el.level end
  end })
  if top == nil then return doc end
  local previous = shift
  return doc:walk({ Header = function(el)
    el.level = math.min(el.level - top + shift + 1, previous + 1, 6)
    previous = el.level
    return el
  end })
end

local function parse(field, extensions)
  local doc = pandoc.read(field.text, extensions)
  return demote(doc:walk(sanitizer()), field.shift or 0)
end

local function html(blocks, prefix)
  return pandoc.write(pandoc.Pandoc(blocks), "html",
    { wrap_text = "wrap-none", identifier_prefix = prefix or "" })
end

function Reader(input, _)
  local batch = pandoc.json.decode(tostring(input), false)
  local out = { fields = {}, groups = {} }
  for _, field in ipairs(batch.fields) do
    out.fields[field.key] = html(parse(field, batch.extensions).blocks, field.prefix)
  end
  local references
  if #batch.groups > 0 then
    references = pandoc.read(batch.references, "csljson").meta.references
  end
  for _, group in ipairs(batch.groups) do
    local blocks = {}
    for index, field in ipairs(group.fields) do
      blocks[#blocks + 1] = pandoc.Div(parse(field, batch.extensions).blocks,
        pandoc.Attr("field-" .. index))
    end
    local doc = pandoc.Pandoc(blocks)
    doc.meta.references = references
    doc.meta.csl = batch.csl
    doc.meta["link-citations"] = true
    doc.meta["link-bibliography"] = true
    doc.meta["suppress-bibliography"] = false
    doc = pandoc.utils.citeproc(doc)
    local result = { fields = {}, bibliography = "" }
    for _, block in ipairs(doc.blocks) do
      if block.identifier == "refs" then
        result.bibliography = html({ block })
      else
        local index = tonumber(block.identifier:match("^field%-(%d+)$"))
        local field = group.fields[index]
        -- the prefix keeps footnotes apart; citations still point at the one bibliography
        local escaped = (field.prefix or ""):gsub("%p", "%%%0")
        result.fields[field.key] = html(block.content, field.prefix)
          :gsub('href="#' .. escaped .. 'ref%-', 'href="#ref-')
      end
    end
    out.groups[group.key] = result
  end
  return pandoc.Pandoc({ pandoc.RawBlock("json", pandoc.json.encode(out)) })
end
