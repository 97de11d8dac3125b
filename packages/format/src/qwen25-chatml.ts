/**
 * The Jinja source of templates/qwen2.5-chatml.jinja as a string module, so that the package needs
 * no file read for it (and bundles for a browser). Generated from that file by
 * `node scripts/template-module.mjs`; a test checks that the two are the same text.
 */
export const QWEN25_CHATML_JINJA =
  "{#- mathtune: ChatML chat template for Qwen2.5 instruct models.\n    Each turn is <|im_start|>ROLE, a newline, the content, <|im_end|> and a newline.\n    The conversation always opens with a system turn: the first message when it is a\n    system message, otherwise Qwen2.5's default system prompt.\n    add_generation_prompt appends the opening of an assistant turn.\n    Tool calls are not handled here; use the model's own template for them. -#}\n{%- if messages | length > 0 and messages[0]['role'] == 'system' -%}\n    {%- set first_turn = 1 -%}\n    {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' -}}\n{%- else -%}\n    {%- set first_turn = 0 -%}\n    {{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' -}}\n{%- endif -%}\n{%- for turn in messages[first_turn:] -%}\n    {{- '<|im_start|>' + turn['role'] + '\\n' + turn['content'] + '<|im_end|>\\n' -}}\n{%- endfor -%}\n{%- if add_generation_prompt -%}\n    {{- '<|im_start|>assistant\\n' -}}\n{%- endif -%}\n";
