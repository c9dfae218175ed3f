<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>AnthropicWire</name>
    <message>
        <source>The server&apos;s reply holds no answer</source>
        <translation>服务器的回复中没有答案</translation>
    </message>
    <message>
        <source>The server sent a stream event of the wrong shape</source>
        <translation>服务器发送的流事件格式不正确</translation>
    </message>
    <message>
        <source>The server reported an error during the reply</source>
        <translation>服务器在回复过程中报告了错误</translation>
    </message>
</context>
<context>
    <name>ApiKeys</name>
    <message>
        <source>The list of stored API keys for {provider} could not be read. It was rebuilt from the active key; add any other keys again.</source>
        <translation>无法读取 {provider} 已保存的 API 密钥列表。已根据当前使用的密钥重建列表；请重新添加其他密钥。</translation>
    </message>
    <message>
        <source>A stored API key for {provider} ({label}) was missing from the secret store and was left out.</source>
        <translation>{provider} 的一个已保存 API 密钥（{label}）在密钥存储中缺失，已将其略过。</translation>
    </message>
</context>
<context>
    <name>AssistantBubble</name>
    <message>
        <source>Thinking…</source>
        <translation>思考中…</translation>
    </message>
    <message>
        <source>Show or hide the reasoning</source>
        <translation>显示或隐藏思考过程</translation>
    </message>
    <message>
        <source>Reply</source>
        <translation>回复</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Copy the reply</source>
        <translation>复制回复</translation>
    </message>
    <message>
        <source>Regenerate</source>
        <translation>重新生成</translation>
    </message>
    <message>
        <source>Ask again; this reply stays as a version</source>
        <translation>重新提问；此回复将保留为一个版本</translation>
    </message>
    <message>
        <source>Reasoning</source>
        <translation>思考过程</translation>
    </message>
    <message>
        <source>Stop reading</source>
        <translation>停止朗读</translation>
    </message>
    <message>
        <source>Read aloud</source>
        <translation>朗读</translation>
    </message>
    <message>
        <source>Stop reading aloud</source>
        <translation>停止朗读</translation>
    </message>
    <message>
        <source>Read the reply aloud</source>
        <translation>朗读回复</translation>
    </message>
    <message>
        <source>Stopped. The text above is what arrived.</source>
        <translation>已停止。以上是已收到的内容。</translation>
    </message>
    <message>
        <source>The model returned an empty reply.</source>
        <translation>模型返回了空回复。</translation>
    </message>
</context>
<context>
    <name>AttachmentChip</name>
    <message>
        <source>Play</source>
        <translation>播放</translation>
    </message>
    <message>
        <source>Video options</source>
        <translation>视频选项</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>{fps} frames per second</source>
        <translation>每秒 {fps} 帧</translation>
    </message>
    <message>
        <source>Default resolution</source>
        <translation>默认分辨率</translation>
    </message>
    <message>
        <source>Maximum resolution</source>
        <translation>最高分辨率</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
</context>
<context>
    <name>AttachmentController</name>
    <message>
        <source>Still reading the attached files…</source>
        <translation>仍在读取附件…</translation>
    </message>
    <message>
        <source>Remove the files marked in red to send this message.</source>
        <translation>请移除标红的文件后再发送此消息。</translation>
    </message>
    <message numerus="yes">
        <source>At most %n files per message.</source>
        <translation>
            <numerusform>每条消息最多 %n 个文件。</numerusform>
        </translation>
    </message>
    <message>
        <source>The pasted image could not be saved.</source>
        <translation>无法保存粘贴的图片。</translation>
    </message>
    <message>
        <source>Reading…</source>
        <translation>正在读取…</translation>
    </message>
    <message>
        <source>This file cannot be read.</source>
        <translation>无法读取此文件。</translation>
    </message>
</context>
<context>
    <name>AttachmentPane</name>
    <message>
        <source>image</source>
        <translation>图片</translation>
    </message>
    <message>
        <source>audio</source>
        <translation>音频</translation>
    </message>
    <message>
        <source>video</source>
        <translation>视频</translation>
    </message>
    <message>
        <source>Attachments</source>
        <translation>附件</translation>
    </message>
</context>
<context>
    <name>AudioCodec</name>
    <message>
        <source>The audio file {name} could not be read</source>
        <extracomment>Container name -&gt; (soundfile format, subtype). The keys are also file suffixes.</extracomment>
        <translation>无法读取音频文件 {name}</translation>
    </message>
    <message>
        <source>The audio could not be decoded</source>
        <translation>无法解码音频</translation>
    </message>
    <message>
        <source>Audio can be saved as {formats}, not as .{suffix}</source>
        <translation>音频可保存为 {formats}，不能保存为 .{suffix}</translation>
    </message>
    <message>
        <source>Audio can be saved as {formats}, not without a suffix</source>
        <translation>音频可保存为 {formats}，文件名需带扩展名</translation>
    </message>
    <message>
        <source>The audio could not be saved to {name}: {reason}</source>
        <translation>无法将音频保存到 {name}：{reason}</translation>
    </message>
    <message>
        <source>Reading and saving audio needs the soundfile package</source>
        <translation>读取和保存音频需要 soundfile 软件包</translation>
    </message>
    <message>
        <source>Unknown audio format {format}</source>
        <translation>未知的音频格式 {format}</translation>
    </message>
    <message>
        <source>The audio could not be encoded as {format}</source>
        <translation>无法将音频编码为 {format}</translation>
    </message>
</context>
<context>
    <name>AudioRecorder</name>
    <message>
        <source>Nothing was recorded: is the microphone muted?</source>
        <translation>什么也没录到：麦克风是否已静音？</translation>
    </message>
    <message>
        <source>The recording could not be saved: {reason}</source>
        <translation>无法保存录音：{reason}</translation>
    </message>
</context>
<context>
    <name>BranchSwitch</name>
    <message>
        <source>Previous version</source>
        <translation>上一个版本</translation>
    </message>
    <message>
        <source>Next version</source>
        <translation>下一个版本</translation>
    </message>
    <message>
        <source>Version {0} of {1}</source>
        <translation>第 {0} 个版本，共 {1} 个</translation>
    </message>
</context>
<context>
    <name>BuiltinTools</name>
    <message>
        <source>Current time</source>
        <translation>当前时间</translation>
    </message>
    <message>
        <source>Calculator</source>
        <translation>计算器</translation>
    </message>
    <message>
        <source>Read a text file</source>
        <translation>读取文本文件</translation>
    </message>
    <message>
        <source>List files</source>
        <translation>列出文件</translation>
    </message>
    <message>
        <source>The current date, time and weekday. Without a time zone: the user&apos;s local time.</source>
        <translation>当前的日期、时间和星期。未指定时区时为用户的本地时间。</translation>
    </message>
    <message>
        <source>Evaluate an arithmetic expression exactly as written: numbers, + - * / // % **, parentheses, sqrt sin cos tan asin acos atan log log10 log2 exp abs round min max floor ceil, and the constants pi e tau. Angles are in radians.</source>
        <translation>按原样计算算术表达式：支持数字、+ - * / // % **、括号，函数 sqrt sin cos tan asin acos atan log log10 log2 exp abs round min max floor ceil，以及常量 pi e tau。角度以弧度为单位。</translation>
    </message>
    <message>
        <source>Read a text file from the folder the user shared with you. Long files are cut at 256 KB.</source>
        <translation>从用户共享的文件夹中读取文本文件。过长的文件会在 256 KB 处截断。</translation>
    </message>
    <message>
        <source>List the files and folders in the shared folder, with their sizes.</source>
        <translation>列出共享文件夹中的文件和文件夹及其大小。</translation>
    </message>
</context>
<context>
    <name>Catalogue</name>
    <message>
        <source>{tokens} context</source>
        <translation>{tokens} 上下文</translation>
    </message>
    <message>
        <source>Not in the catalogue; treated as a text-only model</source>
        <translation>不在模型目录中；按纯文本模型处理</translation>
    </message>
    <message>
        <source>Text</source>
        <translation>文本</translation>
    </message>
    <message>
        <source>Image</source>
        <translation>图像</translation>
    </message>
    <message>
        <source>Audio</source>
        <translation>音频</translation>
    </message>
    <message>
        <source>Video</source>
        <translation>视频</translation>
    </message>
    <message>
        <source>Speech</source>
        <translation>语音</translation>
    </message>
    <message>
        <source>Tools</source>
        <translation>工具</translation>
    </message>
    <message>
        <source>Reasoning</source>
        <translation>推理</translation>
    </message>
    <message>
        <source>Complex reasoning and coding</source>
        <translation>复杂推理与编程</translation>
    </message>
    <message>
        <source>Fast, cheap, high throughput</source>
        <translation>快速、低价、高吞吐</translation>
    </message>
    <message>
        <source>Image, audio and video understanding</source>
        <translation>图像、音频和视频理解</translation>
    </message>
    <message>
        <source>Speech synthesis</source>
        <translation>语音合成</translation>
    </message>
    <message>
        <source>Reasoning, coding and agents</source>
        <translation>推理、编程与智能体</translation>
    </message>
    <message>
        <source>Omnimodal: text, image, audio and video</source>
        <translation>全模态：文本、图像、音频和视频</translation>
    </message>
    <message>
        <source>Speech synthesis, more voices</source>
        <translation>语音合成，更多音色</translation>
    </message>
    <message>
        <source>Speech synthesis with a voice described in words</source>
        <translation>用文字描述音色的语音合成</translation>
    </message>
    <message>
        <source>Speech synthesis in a voice cloned from a sample</source>
        <translation>用样本克隆音色的语音合成</translation>
    </message>
    <message>
        <source>Speech recognition (audio to text)</source>
        <translation>语音识别（音频转文字）</translation>
    </message>
</context>
<context>
    <name>ChatController</name>
    <message>
        <source>Unexpected error: {name}</source>
        <translation>意外错误：{name}</translation>
    </message>
    <message>
        <source>Rate limited</source>
        <translation>请求过于频繁</translation>
    </message>
    <message>
        <source>The server is busy or failed ({status})</source>
        <translation>服务器繁忙或出错（{status}）</translation>
    </message>
    <message>
        <source>The server did not answer in time</source>
        <translation>服务器未能及时响应</translation>
    </message>
    <message>
        <source>Could not connect</source>
        <translation>无法连接</translation>
    </message>
    <message>
        <source>The chat settings could not be saved: {error}</source>
        <translation>无法保存对话设置：{error}</translation>
    </message>
    <message>
        <source>Could not switch to that version: {error}</source>
        <translation>无法切换到该版本：{error}</translation>
    </message>
    <message>
        <source>Preparing {name}… {percent} %</source>
        <translation>正在准备 {name}… {percent} %</translation>
    </message>
    <message>
        <source>Stopped after {0} rounds of tool calls; send a message to go on.</source>
        <translation>已连续调用工具 {0} 轮，现已停止；发送消息即可继续。</translation>
    </message>
    <message>
        <source>No API key is set.</source>
        <translation>尚未设置 API 密钥。</translation>
    </message>
    <message>
        <source>Enter your MiMo API key to start chatting.</source>
        <translation>请输入你的 MiMo API 密钥以开始对话。</translation>
    </message>
    <message>
        <source>A tool result could not be saved: {error}</source>
        <translation>无法保存工具结果：{error}</translation>
    </message>
    <message>
        <source>Your message could not be saved, so it was not sent: {error}</source>
        <translation>你的消息无法保存，因此未发送：{error}</translation>
    </message>
</context>
<context>
    <name>ChatSettings</name>
    <message>
        <source>No model is chosen.</source>
        <translation>未选择模型。</translation>
    </message>
    <message>
        <source>Temperature must be between {low:g} and {high:g}.</source>
        <translation>温度必须介于 {low:g} 和 {high:g} 之间。</translation>
    </message>
    <message>
        <source>Top p must be between {low:g} and {high:g}.</source>
        <translation>Top p 必须介于 {low:g} 和 {high:g} 之间。</translation>
    </message>
    <message>
        <source>Max output tokens must be between {low} and {high}.</source>
        <translation>最大输出 token 数必须介于 {low} 和 {high} 之间。</translation>
    </message>
    <message>
        <source>Precise coding</source>
        <translation>精确编程</translation>
    </message>
    <message>
        <source>Creative writing</source>
        <translation>创意写作</translation>
    </message>
    <message>
        <source>Quick answers</source>
        <translation>快速回答</translation>
    </message>
    <message>
        <source>Enter a name for the preset.</source>
        <translation>请输入预设名称。</translation>
    </message>
    <message>
        <source>Use at most {count} characters.</source>
        <translation>最多使用 {count} 个字符。</translation>
    </message>
    <message>
        <source>That name belongs to a built-in preset.</source>
        <translation>该名称已被内置预设使用。</translation>
    </message>
</context>
<context>
    <name>ChatSettingsDialog</name>
    <message>
        <source>Chat settings</source>
        <translation>对话设置</translation>
    </message>
    <message>
        <source>&amp;Reset to defaults</source>
        <translation>恢复默认值(&amp;R)</translation>
    </message>
    <message>
        <source>Use the model&apos;s defaults for everything but the system prompt</source>
        <translation>除系统提示词外，全部使用模型的默认值</translation>
    </message>
    <message>
        <source>Preset</source>
        <translation>预设</translation>
    </message>
    <message>
        <source>Apply a preset. A preset without a system prompt keeps the current one.</source>
        <translation>应用预设。没有系统提示词的预设会保留当前的系统提示词。</translation>
    </message>
    <message>
        <source>Save &amp;as preset…</source>
        <translation>另存为预设(&amp;A)…</translation>
    </message>
    <message>
        <source>&amp;Delete preset</source>
        <translation>删除预设(&amp;D)</translation>
    </message>
    <message>
        <source>Pr&amp;eset:</source>
        <translation>预设(&amp;E)：</translation>
    </message>
    <message>
        <source>Name of the new preset</source>
        <translation>新预设的名称</translation>
    </message>
    <message>
        <source>Sa&amp;ve preset</source>
        <translation>保存预设(&amp;V)</translation>
    </message>
    <message>
        <source>Ca&amp;ncel</source>
        <translation>取消(&amp;N)</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>System prompt</source>
        <translation>系统提示词</translation>
    </message>
    <message>
        <source>Optional instructions sent before the conversation, e.g. “Answer briefly.”</source>
        <translation>在对话之前发送的可选指令，例如“请简短回答。”</translation>
    </message>
    <message>
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <source>{low:g} to {high:g}; lower is more focused</source>
        <translation>{low:g} 到 {high:g}；越低越集中</translation>
    </message>
    <message>
        <source>Top p</source>
        <translation>Top p</translation>
    </message>
    <message>
        <source>{low:g} to {high:g}; nucleus sampling</source>
        <translation>{low:g} 到 {high:g}；核采样</translation>
    </message>
    <message>
        <source>Max output tokens</source>
        <translation>最大输出 token 数</translation>
    </message>
    <message>
        <source>Thinking</source>
        <translation>思考</translation>
    </message>
    <message>
        <source>Model default</source>
        <translation>模型默认</translation>
    </message>
    <message>
        <source>On</source>
        <translation>开启</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>&amp;Model:</source>
        <translation>模型(&amp;M)：</translation>
    </message>
    <message>
        <source>&amp;System prompt:</source>
        <translation>系统提示词(&amp;S)：</translation>
    </message>
    <message>
        <source>&amp;Temperature:</source>
        <translation>温度(&amp;T)：</translation>
    </message>
    <message>
        <source>Top &amp;p:</source>
        <translation>Top p(&amp;P)：</translation>
    </message>
    <message>
        <source>Max &amp;output tokens:</source>
        <translation>最大输出 token 数(&amp;O)：</translation>
    </message>
    <message>
        <source>T&amp;hinking:</source>
        <translation>思考(&amp;H)：</translation>
    </message>
    <message>
        <source>Choose a preset…</source>
        <translation>选择预设…</translation>
    </message>
    <message>
        <source>{name} (built-in)</source>
        <translation>{name}（内置）</translation>
    </message>
    <message>
        <source>Saving replaces the preset “{name}”.</source>
        <translation>保存将替换预设“{name}”。</translation>
    </message>
    <message>
        <source>{info} · not in the catalogue</source>
        <translation>{info} · 不在模型目录中</translation>
    </message>
    <message>
        <source>Server default</source>
        <translation>服务器默认</translation>
    </message>
    <message>
        <source>up to {limit} for this model</source>
        <translation>此模型最多 {limit}</translation>
    </message>
    <message>
        <source>At most {limit} tokens for this model</source>
        <translation>此模型最多 {limit} 个 token</translation>
    </message>
    <message>
        <source>This model has no thinking switch</source>
        <translation>此模型没有思考开关</translation>
    </message>
    <message>
        <source>on</source>
        <translation>开启</translation>
    </message>
    <message>
        <source>off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Model default ({state})</source>
        <translation>模型默认（{state}）</translation>
    </message>
</context>
<context>
    <name>ChatView</name>
    <message>
        <source>Conversation</source>
        <translation>对话</translation>
    </message>
    <message>
        <source>Ask MiMo anything.
Enter sends, Shift+Enter starts a new line.</source>
        <translation>向 MiMo 提问吧。
Enter 发送，Shift+Enter 换行。</translation>
    </message>
    <message>
        <source>Show earlier messages ({0})</source>
        <translation>显示更早的消息（{0}）</translation>
    </message>
    <message>
        <source>Waiting for the reply…</source>
        <translation>正在等待回复…</translation>
    </message>
    <message>
        <source>{reason}: retrying in {seconds} s…</source>
        <translation>{reason}：{seconds} 秒后重试…</translation>
    </message>
    <message>
        <source>{reason}: retrying now…</source>
        <translation>{reason}：正在重试…</translation>
    </message>
    <message>
        <source>Interrupted: the app stopped before this reply finished.</source>
        <translation>已中断：应用在此回复完成前退出了。</translation>
    </message>
    <message>
        <source>The reply failed.</source>
        <translation>回复失败。</translation>
    </message>
    <message>
        <source>{prompt} in · {completion} out</source>
        <translation>输入 {prompt} · 输出 {completion}</translation>
    </message>
    <message>
        <source>Input: {prompt} tokens ({cached} cached)</source>
        <translation>输入：{prompt} 个 token（{cached} 个来自缓存）</translation>
    </message>
    <message>
        <source>Output: {completion} tokens ({reasoning} reasoning)</source>
        <translation>输出：{completion} 个 token（{reasoning} 个用于推理）</translation>
    </message>
    <message>
        <source>Cost: ${cost}</source>
        <translation>费用：${cost}</translation>
    </message>
</context>
<context>
    <name>CodeBlocks</name>
    <message>
        <source>Copied</source>
        <translation>已复制</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
</context>
<context>
    <name>Composer</name>
    <message>
        <source>Message MiMo…</source>
        <translation>给 MiMo 发消息…</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>消息</translation>
    </message>
    <message>
        <source>Attach images, audio or video (Ctrl+O)</source>
        <translation>添加图片、音频或视频 (Ctrl+O)</translation>
    </message>
    <message>
        <source>Attach files</source>
        <translation>添加附件</translation>
    </message>
    <message>
        <source>Record a voice question (Ctrl+Shift+R)</source>
        <translation>录制语音提问 (Ctrl+Shift+R)</translation>
    </message>
    <message>
        <source>Record a voice question</source>
        <translation>录制语音提问</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <source>Stop the reply (Esc)</source>
        <translation>停止回复 (Esc)</translation>
    </message>
    <message>
        <source>Send (Enter)</source>
        <translation>发送 (Enter)</translation>
    </message>
</context>
<context>
    <name>ConversationImport</name>
    <message>
        <source>The file cannot be imported because it is damaged: {detail}.</source>
        <translation>文件已损坏，无法导入：{detail}。</translation>
    </message>
    <message>
        <source>The file is too large to import (more than {size} MiB).</source>
        <translation>文件过大，无法导入（超过 {size} MiB）。</translation>
    </message>
    <message>
        <source>The file is not a MiMo Desktop conversation export: it is not valid JSON text.</source>
        <translation>该文件不是 MiMo Desktop 导出的对话：它不是有效的 JSON 文本。</translation>
    </message>
    <message>
        <source>it contains text that is not valid Unicode</source>
        <translation>其中含有无效的 Unicode 文本</translation>
    </message>
    <message>
        <source>its data is nested too deeply</source>
        <translation>其数据嵌套层级过深</translation>
    </message>
    <message>
        <source>The file is not a MiMo Desktop conversation export.</source>
        <translation>该文件不是 MiMo Desktop 导出的对话。</translation>
    </message>
    <message>
        <source>The file was exported by a newer version of MiMo Desktop (format version {version}); update the app to import it.</source>
        <translation>该文件由更新版本的 MiMo Desktop 导出（格式版本 {version}），请更新应用后再导入。</translation>
    </message>
    <message>
        <source>The file is a MiMo Desktop conversation export of an unknown format version.</source>
        <translation>该文件是 MiMo Desktop 导出的对话，但格式版本未知。</translation>
    </message>
    <message>
        <source>the file</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>{where} is not a JSON object</source>
        <translation>{where}不是 JSON 对象</translation>
    </message>
    <message>
        <source>{where} has no &quot;{name}&quot; field</source>
        <translation>{where}缺少“{name}”字段</translation>
    </message>
    <message>
        <source>the &quot;{name}&quot; field of {where} should be {expected}</source>
        <translation>{where}的“{name}”字段应为{expected}</translation>
    </message>
    <message>
        <source>text</source>
        <translation>文本</translation>
    </message>
    <message>
        <source>text or null</source>
        <translation>文本或 null</translation>
    </message>
    <message>
        <source>an id (text that is not empty)</source>
        <translation>ID（非空文本）</translation>
    </message>
    <message>
        <source>true or false</source>
        <translation>true 或 false</translation>
    </message>
    <message>
        <source>a whole number of at least 0</source>
        <translation>不小于 0 的整数</translation>
    </message>
    <message>
        <source>a JSON object</source>
        <translation>JSON 对象</translation>
    </message>
    <message>
        <source>a JSON list</source>
        <translation>JSON 列表</translation>
    </message>
    <message>
        <source>a time in seconds (a number)</source>
        <translation>以秒为单位的时间（数字）</translation>
    </message>
    <message>
        <source>the conversation</source>
        <translation>对话</translation>
    </message>
    <message>
        <source>message {number}</source>
        <translation>第 {number} 条消息</translation>
    </message>
    <message>
        <source>message {number} has an unknown role &quot;{role}&quot;</source>
        <translation>第 {number} 条消息的角色“{role}”未知</translation>
    </message>
    <message>
        <source>message {number} has an unknown status &quot;{status}&quot;</source>
        <translation>第 {number} 条消息的状态“{status}”未知</translation>
    </message>
    <message>
        <source>null or token counts ({names})</source>
        <translation>null 或 token 计数（{names}）</translation>
    </message>
    <message>
        <source>a list of SHA-256 checksums</source>
        <translation>SHA-256 校验和列表</translation>
    </message>
    <message>
        <source>attachment {number} is listed twice</source>
        <translation>第 {number} 个附件重复出现</translation>
    </message>
    <message>
        <source>attachment {number}</source>
        <translation>第 {number} 个附件</translation>
    </message>
    <message>
        <source>a SHA-256 checksum (64 lower-case hex digits)</source>
        <translation>SHA-256 校验和（64 位小写十六进制数字）</translation>
    </message>
    <message>
        <source>base64 text</source>
        <translation>base64 文本</translation>
    </message>
    <message>
        <source>the contents of attachment {name} do not match their checksum</source>
        <translation>附件 {name} 的内容与其校验和不符</translation>
    </message>
    <message>
        <source>message {number} has the same id as an earlier message</source>
        <translation>第 {number} 条消息的 ID 与之前的消息重复</translation>
    </message>
    <message>
        <source>the message before message {number} is not in the file</source>
        <translation>第 {number} 条消息的上一条消息不在文件中</translation>
    </message>
    <message>
        <source>its messages form a loop instead of a tree</source>
        <translation>其消息构成了循环，而不是树</translation>
    </message>
    <message>
        <source>the conversation&apos;s current message is not in the file</source>
        <translation>对话的当前消息不在文件中</translation>
    </message>
    <message>
        <source>message {number} has an attachment that is not in the file</source>
        <translation>第 {number} 条消息引用的附件不在文件中</translation>
    </message>
</context>
<context>
    <name>DefaultableSpin</name>
    <message>
        <source>Default</source>
        <translation>默认</translation>
    </message>
    <message>
        <source>Use the model&apos;s default {name}</source>
        <translation>使用模型默认的{name}</translation>
    </message>
</context>
<context>
    <name>EditBox</name>
    <message>
        <source>Edit message</source>
        <translation>编辑消息</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>EnvTable</name>
    <message>
        <source>Environment variables</source>
        <translation>环境变量</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>值</translation>
    </message>
    <message>
        <source>Value hidden</source>
        <translation>值已隐藏</translation>
    </message>
</context>
<context>
    <name>ErrorCard</name>
    <message>
        <source>Retry</source>
        <translation>重试</translation>
    </message>
</context>
<context>
    <name>History</name>
    <message>
        <source>History could not be opened ({error}); this session is not saved.</source>
        <translation>无法打开历史记录（{error}），本次会话不会被保存。</translation>
    </message>
    <message>
        <source>the database was written by a newer version of the app (migrations {names})</source>
        <translation>数据库由更新版本的应用写入（迁移 {names}）</translation>
    </message>
</context>
<context>
    <name>HistoryController</name>
    <message>
        <source>The history is not available in this session.</source>
        <translation>本次会话中历史记录不可用。</translation>
    </message>
    <message>
        <source>The history could not be changed: {0}</source>
        <translation>无法修改历史记录：{0}</translation>
    </message>
    <message>
        <source>That conversation no longer exists.</source>
        <translation>该对话已不存在。</translation>
    </message>
</context>
<context>
    <name>HistoryModel</name>
    <message>
        <source>New chat</source>
        <translation>新对话</translation>
    </message>
    <message>
        <source>Pinned</source>
        <translation>已置顶</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今天</translation>
    </message>
    <message>
        <source>Yesterday</source>
        <translation>昨天</translation>
    </message>
    <message>
        <source>Previous 7 days</source>
        <translation>过去 7 天</translation>
    </message>
    <message>
        <source>Previous 30 days</source>
        <translation>过去 30 天</translation>
    </message>
    <message>
        <source>MMMM yyyy</source>
        <translation>yyyy年M月</translation>
    </message>
</context>
<context>
    <name>HistorySidebar</name>
    <message>
        <source>Conversations</source>
        <translation>对话</translation>
    </message>
    <message>
        <source>New chat</source>
        <translation>新对话</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <source>Search every message (Ctrl+K)</source>
        <translation>搜索所有消息 (Ctrl+K)</translation>
    </message>
    <message>
        <source>Start a new chat (Ctrl+N)</source>
        <translation>开始新对话 (Ctrl+N)</translation>
    </message>
    <message>
        <source>No conversations yet.</source>
        <translation>还没有对话。</translation>
    </message>
    <message>
        <source>&amp;Undo</source>
        <translation>撤销(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Rename</source>
        <translation>重命名(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Pin</source>
        <translation>置顶(&amp;P)</translation>
    </message>
    <message>
        <source>Export as &amp;Markdown…</source>
        <translation>导出为 Markdown(&amp;M)…</translation>
    </message>
    <message>
        <source>Export as &amp;JSON…</source>
        <translation>导出为 JSON(&amp;J)…</translation>
    </message>
    <message>
        <source>&amp;Delete</source>
        <translation>删除(&amp;D)</translation>
    </message>
    <message>
        <source>Deleted “{title}”.</source>
        <translation>已删除“{title}”。</translation>
    </message>
    <message>
        <source>Un&amp;pin</source>
        <translation>取消置顶(&amp;P)</translation>
    </message>
</context>
<context>
    <name>HttpErrors</name>
    <message>
        <source>The server rejected the request</source>
        <translation>服务器拒绝了请求</translation>
    </message>
    <message>
        <source>The API key was rejected</source>
        <translation>API 密钥被拒绝</translation>
    </message>
    <message>
        <source>The account balance is exhausted</source>
        <translation>账户余额已用完</translation>
    </message>
    <message>
        <source>The model or address was not found</source>
        <translation>找不到该模型或地址</translation>
    </message>
    <message>
        <source>The server timed out waiting for the request</source>
        <translation>服务器等待请求超时</translation>
    </message>
    <message>
        <source>The server reported a conflict</source>
        <translation>服务器报告了冲突</translation>
    </message>
    <message>
        <source>The request is too large</source>
        <translation>请求过大</translation>
    </message>
    <message>
        <source>The content filter blocked this request</source>
        <translation>内容过滤器拦截了此请求</translation>
    </message>
    <message>
        <source>Too many requests</source>
        <translation>请求过于频繁</translation>
    </message>
    <message>
        <source>The server answered</source>
        <translation>服务器返回了异常状态</translation>
    </message>
    <message>
        <source>The server had a problem</source>
        <translation>服务器出现问题</translation>
    </message>
    <message>
        <source>{lead} ({status}): {message}</source>
        <extracomment>The HTTP status of each Anthropic error ``type`` (their documented pairs).</extracomment>
        <translation>{lead}（{status}）：{message}</translation>
    </message>
    <message>
        <source>{lead} ({status})</source>
        <translation>{lead}（{status}）</translation>
    </message>
    <message>
        <source>The server reported an error</source>
        <translation>服务器报告了错误</translation>
    </message>
    <message>
        <source>The proxy server ({proxy}) did not answer in time.</source>
        <translation>代理服务器（{proxy}）未能及时响应。</translation>
    </message>
    <message>
        <source>Could not connect to the server in time</source>
        <translation>未能及时连接到服务器</translation>
    </message>
    <message>
        <source>The server stopped sending in the middle of the reply</source>
        <translation>服务器在回复过程中停止了发送</translation>
    </message>
    <message>
        <source>The server did not answer in time</source>
        <translation>服务器未能及时响应</translation>
    </message>
    <message>
        <source>The server address is not valid. Check the base URL</source>
        <translation>服务器地址无效。请检查基础 URL</translation>
    </message>
    <message>
        <source>The server&apos;s TLS certificate could not be verified ({reason}). If your network inspects secure connections, add its CA certificate in the network settings.</source>
        <translation>无法验证服务器的 TLS 证书（{reason}）。如果你的网络会检查安全连接，请在网络设置中添加其 CA 证书。</translation>
    </message>
    <message>
        <source>The secure (TLS) connection could not be set up ({reason}).</source>
        <translation>无法建立安全（TLS）连接（{reason}）。</translation>
    </message>
    <message>
        <source>Could not connect to the proxy server ({proxy}). Check that it is running and that the proxy settings are right.</source>
        <translation>无法连接到代理服务器（{proxy}）。请检查它是否正在运行，以及代理设置是否正确。</translation>
    </message>
    <message>
        <source>Could not connect to the server. Check the network and the URL</source>
        <translation>无法连接到服务器。请检查网络和 URL</translation>
    </message>
    <message>
        <source>The server sent a reply that could not be decoded</source>
        <translation>服务器发送的回复无法解码</translation>
    </message>
    <message>
        <source>The server redirected too many times</source>
        <translation>服务器重定向次数过多</translation>
    </message>
    <message>
        <source>The connection dropped in the middle of the reply</source>
        <translation>回复过程中连接中断</translation>
    </message>
    <message>
        <source>The connection closed before the server answered</source>
        <translation>服务器响应前连接已关闭</translation>
    </message>
    <message>
        <source>The proxy server ({proxy}) asked for a user name and password, or did not accept them. Put them in the proxy address in the network settings, like http://user:password@host:port.</source>
        <translation>代理服务器（{proxy}）要求提供用户名和密码，或不接受所提供的用户名和密码。请在网络设置中将它们写入代理地址，例如 http://user:password@host:port。</translation>
    </message>
    <message>
        <source>see the network settings</source>
        <translation>见网络设置</translation>
    </message>
    <message>
        <source>The proxy server ({proxy}) would not connect to the server: {detail}.</source>
        <translation>代理服务器（{proxy}）拒绝连接到服务器：{detail}。</translation>
    </message>
    <message>
        <source>The proxy server ({proxy}) could not reach the server: {detail}.</source>
        <translation>代理服务器（{proxy}）无法访问服务器：{detail}。</translation>
    </message>
</context>
<context>
    <name>KeyController</name>
    <message>
        <source>Enter your MiMo API key to start chatting.</source>
        <translation>请输入你的 MiMo API 密钥以开始对话。</translation>
    </message>
    <message>
        <source>The key works for now but could not be stored: {error}</source>
        <translation>该密钥本次可以使用，但无法保存：{error}</translation>
    </message>
</context>
<context>
    <name>KeyDialog</name>
    <message>
        <source>MiMo API keys</source>
        <translation>MiMo API 密钥</translation>
    </message>
    <message>
        <source>This provider has more than one key: select another one below and choose Make active, or add a new key.</source>
        <translation>此服务商有多个密钥：请在下方选择另一个并点击“设为使用中”，或添加新密钥。</translation>
    </message>
    <message>
        <source>Provider</source>
        <translation>服务商</translation>
    </message>
    <message>
        <source>Base URL</source>
        <translation>基础 URL</translation>
    </message>
    <message>
        <source>API format</source>
        <translation>API 格式</translation>
    </message>
    <message>
        <source>&amp;Provider:</source>
        <translation>服务商(&amp;P)：</translation>
    </message>
    <message>
        <source>&amp;Base URL:</source>
        <translation>基础 URL(&amp;B)：</translation>
    </message>
    <message>
        <source>API &amp;format:</source>
        <translation>API 格式(&amp;F)：</translation>
    </message>
    <message>
        <source>Anthropic-compatible</source>
        <translation>Anthropic 兼容</translation>
    </message>
    <message>
        <source>OpenAI-compatible</source>
        <translation>OpenAI 兼容</translation>
    </message>
    <message>
        <source>Format: {format}</source>
        <translation>格式：{format}</translation>
    </message>
    <message>
        <source>Create a key at &lt;a href=&quot;{url}&quot;&gt;{url}&lt;/a&gt;</source>
        <translation>在 &lt;a href=&quot;{url}&quot;&gt;{url}&lt;/a&gt; 创建密钥</translation>
    </message>
    <message>
        <source>An API key has no spaces in it.</source>
        <translation>API 密钥中不应包含空格。</translation>
    </message>
    <message>
        <source>Stored API keys</source>
        <translation>已保存的 API 密钥</translation>
    </message>
    <message>
        <source>Label</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>Key</source>
        <translation>密钥</translation>
    </message>
    <message>
        <source>Added</source>
        <translation>添加时间</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Make &amp;active</source>
        <translation>设为使用中(&amp;A)</translation>
    </message>
    <message>
        <source>Make the selected key active</source>
        <translation>将所选密钥设为使用中</translation>
    </message>
    <message>
        <source>Re&amp;name</source>
        <translation>重命名(&amp;N)</translation>
    </message>
    <message>
        <source>Rename the selected key</source>
        <translation>重命名所选密钥</translation>
    </message>
    <message>
        <source>&amp;Remove…</source>
        <translation>删除(&amp;R)…</translation>
    </message>
    <message>
        <source>Remove the selected key</source>
        <translation>删除所选密钥</translation>
    </message>
    <message>
        <source>Add a key</source>
        <translation>添加密钥</translation>
    </message>
    <message>
        <source>New API key</source>
        <translation>新 API 密钥</translation>
    </message>
    <message>
        <source>Sho&amp;w the key while typing</source>
        <translation>输入时显示密钥(&amp;W)</translation>
    </message>
    <message>
        <source>Show the new key while typing</source>
        <translation>输入时显示新密钥</translation>
    </message>
    <message>
        <source>for example: work</source>
        <translation>例如：工作</translation>
    </message>
    <message>
        <source>Label for the new key (optional)</source>
        <translation>新密钥的标签（可选）</translation>
    </message>
    <message>
        <source>A&amp;dd key</source>
        <translation>添加密钥(&amp;D)</translation>
    </message>
    <message>
        <source>Add the new key to the list</source>
        <translation>将新密钥添加到列表</translation>
    </message>
    <message>
        <source>API &amp;key:</source>
        <translation>API 密钥(&amp;K)：</translation>
    </message>
    <message>
        <source>&amp;Label (optional):</source>
        <translation>标签（可选）(&amp;L)：</translation>
    </message>
    <message>
        <source>API keys for {provider}</source>
        <translation>{provider} 的 API 密钥</translation>
    </message>
    <message>
        <source>MIMO_API_KEY, this run only</source>
        <translation>MIMO_API_KEY（仅本次运行）</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>使用中</translation>
    </message>
    <message>
        <source>The stored keys for this provider could not be read: {reason}</source>
        <translation>无法读取此服务商已保存的密钥：{reason}</translation>
    </message>
    <message>
        <source>Reading the stored keys…</source>
        <translation>正在读取已保存的密钥…</translation>
    </message>
    <message>
        <source>No key is stored for this provider yet: add one below.</source>
        <translation>此服务商还没有保存密钥：请在下方添加。</translation>
    </message>
    <message>
        <source>The key from MIMO_API_KEY is used for this run.</source>
        <translation>本次运行使用来自 MIMO_API_KEY 的密钥。</translation>
    </message>
    <message>
        <source>{key} is now the active key.</source>
        <translation>{key} 现在是使用中的密钥。</translation>
    </message>
    <message>
        <source>Renamed {key}.</source>
        <translation>已重命名 {key}。</translation>
    </message>
    <message>
        <source>Remove API key</source>
        <translation>删除 API 密钥</translation>
    </message>
    <message>
        <source>Remove the key {key}?</source>
        <translation>要删除密钥 {key} 吗？</translation>
    </message>
    <message>
        <source>It is deleted from this computer when you save.</source>
        <translation>保存后，它将从这台电脑上删除。</translation>
    </message>
    <message>
        <source>It is the active key: {other} becomes the active key. It is deleted from this computer when you save.</source>
        <translation>它是当前使用的密钥：{other} 将成为使用中的密钥。保存后，它将从这台电脑上删除。</translation>
    </message>
    <message>
        <source>It is the active key and no other key is stored for this provider. It is deleted from this computer when you save.</source>
        <translation>它是当前使用的密钥，且此服务商没有保存其他密钥。保存后，它将从这台电脑上删除。</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Removed {key}.</source>
        <translation>已删除 {key}。</translation>
    </message>
    <message>
        <source>Removed {key}. {other} is now the active key.</source>
        <translation>已删除 {key}。{other} 现在是使用中的密钥。</translation>
    </message>
    <message>
        <source>Removed {key}. No key is left for this provider: add one, or requests will stop until you do.</source>
        <translation>已删除 {key}。此服务商已没有密钥：请添加一个，否则在添加之前请求将无法发送。</translation>
    </message>
    <message>
        <source>This key is already stored as {key}.</source>
        <translation>此密钥已保存为 {key}。</translation>
    </message>
    <message>
        <source>A provider can have at most {count} keys.</source>
        <translation>每个服务商最多可保存 {count} 个密钥。</translation>
    </message>
    <message>
        <source>Added {key}. It is the active key.</source>
        <translation>已添加 {key}，它是当前使用的密钥。</translation>
    </message>
    <message>
        <source>Added {key}. Choose Make active to use it.</source>
        <translation>已添加 {key}。选择“设为使用中”即可使用它。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>{count} in</source>
        <translation>输入 {count}</translation>
    </message>
    <message>
        <source> ({count} cached)</source>
        <translation>（缓存 {count}）</translation>
    </message>
    <message>
        <source>{count} out</source>
        <translation>输出 {count}</translation>
    </message>
    <message>
        <source> ({count} reasoning)</source>
        <translation>（推理 {count}）</translation>
    </message>
    <message>
        <source>≥ {cost} (no price for some models)</source>
        <translation>≥ {cost}（部分模型无价格）</translation>
    </message>
    <message>
        <source>This chat: {parts}</source>
        <translation>本对话：{parts}</translation>
    </message>
    <message>
        <source>&amp;Thinking</source>
        <translation>深度思考(&amp;T)</translation>
    </message>
    <message>
        <source>Let the model reason before it answers</source>
        <translation>让模型先推理再回答</translation>
    </message>
    <message>
        <source>Settings…</source>
        <translation>设置…</translation>
    </message>
    <message>
        <source>Chat settings: system prompt, temperature…</source>
        <translation>对话设置：系统提示词、温度…</translation>
    </message>
    <message>
        <source>Chat settings</source>
        <translation>对话设置</translation>
    </message>
    <message>
        <source>Speech</source>
        <translation>语音</translation>
    </message>
    <message>
        <source>⚠ Key stored in a file</source>
        <translation>⚠ 密钥保存在文件中</translation>
    </message>
    <message>
        <source>&amp;New chat</source>
        <translation>新建对话(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Preferences…</source>
        <translation>偏好设置(&amp;P)…</translation>
    </message>
    <message>
        <source>Chat &amp;settings…</source>
        <translation>对话设置(&amp;S)…</translation>
    </message>
    <message>
        <source>P&amp;rices…</source>
        <translation>价格(&amp;R)…</translation>
    </message>
    <message>
        <source>&amp;Tools and MCP servers…</source>
        <translation>工具与 MCP 服务器(&amp;T)…</translation>
    </message>
    <message>
        <source>&amp;Network…</source>
        <translation>网络(&amp;N)…</translation>
    </message>
    <message>
        <source>Name chats with MiMo-V2-&amp;Flash</source>
        <translation>用 MiMo-V2-Flash 命名对话(&amp;F)</translation>
    </message>
    <message>
        <source>API &amp;keys…</source>
        <translation>API 密钥(&amp;K)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>Se&amp;nd</source>
        <translation>发送(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Stop reply</source>
        <translation>停止回复(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Attach files…</source>
        <translation>添加附件(&amp;A)…</translation>
    </message>
    <message>
        <source>&amp;Record a voice question</source>
        <translation>录制语音提问(&amp;R)</translation>
    </message>
    <message>
        <source>Speak the se&amp;lection</source>
        <translation>朗读所选内容(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Focus composer</source>
        <translation>转到输入框(&amp;F)</translation>
    </message>
    <message>
        <source>Switch &amp;model…</source>
        <translation>切换模型(&amp;M)…</translation>
    </message>
    <message>
        <source>&amp;Search conversations…</source>
        <translation>搜索对话(&amp;S)…</translation>
    </message>
    <message>
        <source>Show &amp;history</source>
        <translation>显示历史记录(&amp;H)</translation>
    </message>
    <message>
        <source>Show s&amp;peech panel</source>
        <translation>显示语音面板(&amp;P)</translation>
    </message>
    <message>
        <source>&amp;Read replies aloud</source>
        <translation>朗读回复(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Undo delete</source>
        <translation>撤销删除(&amp;U)</translation>
    </message>
    <message>
        <source>Export chat as &amp;Markdown…</source>
        <translation>导出为 Markdown(&amp;M)…</translation>
    </message>
    <message>
        <source>Export chat as &amp;JSON…</source>
        <translation>导出为 JSON(&amp;J)…</translation>
    </message>
    <message>
        <source>&amp;Import chat…</source>
        <translation>导入对话(&amp;I)…</translation>
    </message>
    <message>
        <source>&amp;Keyboard shortcuts</source>
        <translation>键盘快捷键(&amp;K)</translation>
    </message>
    <message>
        <source>&amp;About MiMo Desktop</source>
        <translation>关于 MiMo Desktop(&amp;A)</translation>
    </message>
    <message>
        <source>Follow the &amp;system</source>
        <translation>跟随系统(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Light</source>
        <translation>浅色(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Dark</source>
        <translation>深色(&amp;D)</translation>
    </message>
    <message>
        <source>Use model {number}</source>
        <translation>使用第 {number} 个模型</translation>
    </message>
    <message>
        <source>After a chat&apos;s first reply, ask Flash for a short title (a small cost)</source>
        <translation>对话首次回复后，请 Flash 生成简短标题（少量费用）</translation>
    </message>
    <message>
        <source>Speak each reply while it streams in</source>
        <translation>回复生成时同步朗读</translation>
    </message>
    <message>
        <source>Read the selected text aloud with the speech panel&apos;s voice</source>
        <translation>用语音面板的音色朗读所选文字</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;Chat</source>
        <translation>对话(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Theme</source>
        <translation>主题(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Settings</source>
        <translation>设置(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
</context>
<context>
    <name>Markdown</name>
    <message>
        <source>[image: {0}]</source>
        <translation>[图片：{0}]</translation>
    </message>
</context>
<context>
    <name>MarkdownExport</name>
    <message>
        <source>Untitled conversation</source>
        <translation>未命名对话</translation>
    </message>
    <message>
        <source>Model: {model} · Exported {date}</source>
        <translation>模型：{model} · 导出于 {date}</translation>
    </message>
    <message>
        <source>Exported {date}</source>
        <translation>导出于 {date}</translation>
    </message>
    <message>
        <source>You</source>
        <translation>你</translation>
    </message>
    <message>
        <source>Assistant</source>
        <translation>助手</translation>
    </message>
    <message>
        <source>System</source>
        <translation>系统</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>消息</translation>
    </message>
    <message>
        <source>Reasoning</source>
        <translation>思考过程</translation>
    </message>
    <message>
        <source>attachment</source>
        <translation>附件</translation>
    </message>
    <message>
        <source>(file missing)</source>
        <translation>（文件缺失）</translation>
    </message>
    <message>
        <source>1 byte</source>
        <translation>1 字节</translation>
    </message>
    <message>
        <source>{size} bytes</source>
        <translation>{size} 字节</translation>
    </message>
    <message>
        <source>The reply failed: {error}</source>
        <translation>回复失败：{error}</translation>
    </message>
    <message>
        <source>The reply failed.</source>
        <translation>回复失败。</translation>
    </message>
    <message>
        <source>The reply was still being written when this was exported.</source>
        <translation>导出时回复仍在生成中。</translation>
    </message>
    <message>
        <source>The reply was stopped before it was finished.</source>
        <translation>回复在完成前被停止。</translation>
    </message>
    <message>
        <source>The reply was cut off: the app closed while it was being written.</source>
        <translation>回复被中断：生成过程中应用已关闭。</translation>
    </message>
    <message>
        <source>Tokens used by the replies above: {total} ({prompt} prompt, {completion} completion).</source>
        <translation>以上回复共用 {total} 个 token（提示 {prompt}，生成 {completion}）。</translation>
    </message>
</context>
<context>
    <name>McpServer</name>
    <message>
        <source>the start-up</source>
        <translation>启动</translation>
    </message>
    <message>
        <source>the listing of its tools</source>
        <translation>列出工具</translation>
    </message>
    <message>
        <source>The MCP server &apos;{name}&apos; did not answer within {seconds} s.</source>
        <translation>MCP 服务器“{name}”在 {seconds} 秒内没有响应。</translation>
    </message>
    <message>
        <source>The MCP server &apos;{name}&apos; was stopped.</source>
        <translation>MCP 服务器“{name}”已停止。</translation>
    </message>
    <message>
        <source>The MCP servers are shut down (the app is closing).</source>
        <translation>MCP 服务器已关闭（应用正在退出）。</translation>
    </message>
    <message>
        <source> It wrote {count} line(s) to stdout that are not JSON-RPC: is it an MCP stdio server?</source>
        <translation> 它向标准输出写入了 {count} 行非 JSON-RPC 内容：它是 MCP stdio 服务器吗？</translation>
    </message>
    <message>
        <source> See its log: {path}.</source>
        <translation> 请查看其日志：{path}。</translation>
    </message>
    <message>
        <source>The MCP server &apos;{name}&apos; did not finish {action} within {seconds} s.</source>
        <translation>MCP 服务器“{name}”未能在 {seconds} 秒内完成{action}。</translation>
    </message>
    <message>
        <source>The MCP server &apos;{name}&apos; did not answer within {seconds} s.{noise}</source>
        <translation>MCP 服务器“{name}”在 {seconds} 秒内没有响应。{noise}</translation>
    </message>
    <message>
        <source>The MCP server &apos;{name}&apos; closed the connection during {action}; it may have crashed.{noise}{hint}</source>
        <translation>MCP 服务器“{name}”在{action}时关闭了连接，可能已崩溃。{noise}{hint}</translation>
    </message>
    <message>
        <source>The MCP server &apos;{name}&apos; closed the connection before it was ready; it may have crashed.{noise}{hint}</source>
        <translation>MCP 服务器“{name}”在就绪前关闭了连接，可能已崩溃。{noise}{hint}</translation>
    </message>
    <message>
        <source>The MCP server &apos;{name}&apos; answered {action} with an error: {error}</source>
        <translation>MCP 服务器“{name}”在{action}时返回错误：{error}</translation>
    </message>
    <message>
        <source>Could not start MCP server &apos;{name}&apos;: the command &apos;{command}&apos; was not found.</source>
        <translation>无法启动 MCP 服务器“{name}”：找不到命令“{command}”。</translation>
    </message>
    <message>
        <source>Could not start MCP server &apos;{name}&apos;: the command &apos;{command}&apos; may not be run.</source>
        <translation>无法启动 MCP 服务器“{name}”：没有运行命令“{command}”的权限。</translation>
    </message>
    <message>
        <source>Could not start MCP server &apos;{name}&apos;: {error}.</source>
        <translation>无法启动 MCP 服务器“{name}”：{error}。</translation>
    </message>
    <message>
        <source>Could not reach MCP server &apos;{name}&apos; at {url}: {error}.</source>
        <translation>无法连接到位于 {url} 的 MCP 服务器“{name}”：{error}。</translation>
    </message>
    <message>
        <source>The MCP server &apos;{name}&apos; sent a reply that does not follow the protocol.{noise}</source>
        <translation>MCP 服务器“{name}”发送的回复不符合协议。{noise}</translation>
    </message>
    <message>
        <source>The MCP server &apos;{name}&apos; failed during {action}: {error}</source>
        <translation>MCP 服务器“{name}”在{action}时出错：{error}</translation>
    </message>
</context>
<context>
    <name>McpServerConfig</name>
    <message>
        <source>The name must be 1-32 letters, digits, &apos;_&apos; or &apos;-&apos;.</source>
        <translation>名称必须由 1 到 32 个字母、数字、“_”或“-”组成。</translation>
    </message>
    <message>
        <source>A stdio server needs a command.</source>
        <translation>stdio 服务器需要一个命令。</translation>
    </message>
    <message>
        <source>An HTTP server needs an http:// or https:// URL.</source>
        <translation>HTTP 服务器需要以 http:// 或 https:// 开头的 URL。</translation>
    </message>
    <message>
        <source>The timeout must be between 0 and 3600 seconds.</source>
        <translation>超时时间必须介于 0 到 3600 秒之间。</translation>
    </message>
</context>
<context>
    <name>McpServerDialog</name>
    <message>
        <source>Edit MCP server</source>
        <translation>编辑 MCP 服务器</translation>
    </message>
    <message>
        <source>Add MCP server</source>
        <translation>添加 MCP 服务器</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>e.g. files</source>
        <translation>例如 files</translation>
    </message>
    <message>
        <source>&amp;stdio: start a command</source>
        <translation>stdio：启动命令(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;HTTP: connect to a URL</source>
        <translation>HTTP：连接到 URL(&amp;H)</translation>
    </message>
    <message>
        <source>Command</source>
        <translation>命令</translation>
    </message>
    <message>
        <source>Arguments</source>
        <translation>参数</translation>
    </message>
    <message>
        <source>Written as on a shell line; quote what has spaces</source>
        <translation>按命令行的写法填写；含空格的部分请加引号</translation>
    </message>
    <message>
        <source>Add &amp;variable</source>
        <translation>添加变量(&amp;V)</translation>
    </message>
    <message>
        <source>Remove va&amp;riable</source>
        <translation>删除变量(&amp;R)</translation>
    </message>
    <message>
        <source>URL</source>
        <translation>URL</translation>
    </message>
    <message>
        <source>Timeout in seconds</source>
        <translation>超时时间（秒）</translation>
    </message>
    <message>
        <source> s</source>
        <translation> 秒</translation>
    </message>
    <message>
        <source>Ena&amp;bled: start it when tools are wanted</source>
        <translation>启用：需要工具时启动(&amp;B)</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>名称(&amp;N)：</translation>
    </message>
    <message>
        <source>Transport:</source>
        <translation>传输方式：</translation>
    </message>
    <message>
        <source>&amp;Command:</source>
        <translation>命令(&amp;C)：</translation>
    </message>
    <message>
        <source>&amp;Arguments:</source>
        <translation>参数(&amp;A)：</translation>
    </message>
    <message>
        <source>&amp;Environment:</source>
        <translation>环境变量(&amp;E)：</translation>
    </message>
    <message>
        <source>&amp;URL:</source>
        <translation>URL(&amp;U)：</translation>
    </message>
    <message>
        <source>&amp;Timeout:</source>
        <translation>超时(&amp;T)：</translation>
    </message>
    <message>
        <source>There is already a server named “{name}”.</source>
        <translation>已存在名为“{name}”的服务器。</translation>
    </message>
    <message>
        <source>The arguments have an unclosed quote.</source>
        <translation>参数中有未闭合的引号。</translation>
    </message>
    <message>
        <source>Variable names must be letters, digits and &apos;_&apos;, not starting with a digit.</source>
        <translation>变量名只能包含字母、数字和“_”，且不能以数字开头。</translation>
    </message>
    <message>
        <source>A variable is set twice.</source>
        <translation>有变量被重复设置。</translation>
    </message>
</context>
<context>
    <name>Media</name>
    <message>
        <source>{size} bytes</source>
        <extracomment>The API&apos;s limit on one ``data:`` URL (prefix included), in characters. MIMO_API.md says &quot;50 MB&quot;; the decimal reading is the smaller one, so it is the safe one.</extracomment>
        <translation>{size} 字节</translation>
    </message>
    <message>
        <source>{name} is too large to send: it is {size}, and Omni takes files of this type up to {largest} ({limit} once encoded as base64).</source>
        <translation>{name} 太大，无法发送：文件大小为 {size}，而 Omni 接受的此类文件最大为 {largest}（base64 编码后 {limit}）。</translation>
    </message>
    <message>
        <source>{name} does not exist.</source>
        <translation>{name} 不存在。</translation>
    </message>
    <message>
        <source>{name} is a folder; attach the files inside it instead.</source>
        <translation>{name} 是文件夹，请改为添加其中的文件。</translation>
    </message>
    <message>
        <source>{name} is not a regular file.</source>
        <translation>{name} 不是普通文件。</translation>
    </message>
    <message>
        <source>{name} cannot be read: {reason}.</source>
        <translation>无法读取 {name}：{reason}。</translation>
    </message>
    <message>
        <source>{name} is empty (0 bytes).</source>
        <translation>{name} 是空文件（0 字节）。</translation>
    </message>
    <message>
        <source>{name} looks like {format}, but it is damaged or incomplete: {detail}.</source>
        <translation>{name} 看起来是{format}，但文件已损坏或不完整：{detail}。</translation>
    </message>
    <message>
        <source>{name} changed while it was read.</source>
        <translation>{name} 在读取过程中发生了变化。</translation>
    </message>
    <message>
        <source>Omni reads images (JPEG, PNG, GIF, WebP, BMP), audio (MP3, WAV, FLAC, M4A, OGG) and video (MP4, MOV, AVI, WMV).</source>
        <translation>Omni 支持图片（JPEG、PNG、GIF、WebP、BMP）、音频（MP3、WAV、FLAC、M4A、OGG）和视频（MP4、MOV、AVI、WMV）。</translation>
    </message>
    <message>
        <source>{name} is not in a format Omni can read. {supported}</source>
        <translation>{name} 的格式 Omni 无法读取。{supported}</translation>
    </message>
    <message>
        <source>{name} is {what}, which Omni cannot read. {supported}</source>
        <translation>{name} 是{what}，Omni 无法读取。{supported}</translation>
    </message>
    <message>
        <source>{name} is {what}, not an image.</source>
        <translation>{name} 是{what}，不是图片。</translation>
    </message>
    <message>
        <source>{name} is {what}, not audio.</source>
        <translation>{name} 是{what}，不是音频。</translation>
    </message>
    <message>
        <source>{name} is {what}, not a video.</source>
        <translation>{name} 是{what}，不是视频。</translation>
    </message>
    <message>
        <source>{name} is {what}, not an image, audio or video file.</source>
        <translation>{name} 是{what}，不是图片、音频或视频文件。</translation>
    </message>
    <message>
        <source>{name} changed while it was read; attach it again.</source>
        <extracomment>768 KiB: a multiple of 3, so every chunk but the last encodes without padding. Called with (bytes read so far, bytes in the file) after every chunk. Called before every chunk; True stops the encoding with :class:`EncodingCancelled`.</extracomment>
        <translation>{name} 在读取过程中发生了变化，请重新添加。</translation>
    </message>
</context>
<context>
    <name>MediaFormats</name>
    <message>
        <source>{format} audio</source>
        <extracomment>How many leading bytes :func:`detect` and :func:`describe_unknown` want to see.</extracomment>
        <translation>{format} 音频</translation>
    </message>
    <message>
        <source>a {format} image</source>
        <translation>{format} 图片</translation>
    </message>
    <message>
        <source>an {format} video</source>
        <translation>{format} 视频</translation>
    </message>
    <message>
        <source>a {format} video</source>
        <translation>{format} 视频</translation>
    </message>
    <message>
        <source>a PDF document</source>
        <extracomment>Every format, in the order the API documentation lists them.</extracomment>
        <translation>PDF 文档</translation>
    </message>
    <message>
        <source>a ZIP archive or an Office document</source>
        <translation>ZIP 压缩包或 Office 文档</translation>
    </message>
    <message>
        <source>a RAR archive</source>
        <translation>RAR 压缩包</translation>
    </message>
    <message>
        <source>a 7-Zip archive</source>
        <translation>7-Zip 压缩包</translation>
    </message>
    <message>
        <source>a gzip archive</source>
        <translation>gzip 压缩包</translation>
    </message>
    <message>
        <source>a program</source>
        <translation>程序</translation>
    </message>
    <message>
        <source>a SQLite database</source>
        <translation>SQLite 数据库</translation>
    </message>
    <message>
        <source>a TIFF image</source>
        <translation>TIFF 图片</translation>
    </message>
    <message>
        <source>a Photoshop image</source>
        <translation>Photoshop 图片</translation>
    </message>
    <message>
        <source>an icon (ICO)</source>
        <translation>图标 (ICO)</translation>
    </message>
    <message>
        <source>a Matroska or WebM video</source>
        <translation>Matroska 或 WebM 视频</translation>
    </message>
    <message>
        <source>a Flash video (FLV)</source>
        <translation>Flash 视频 (FLV)</translation>
    </message>
    <message>
        <source>an MPEG program stream video</source>
        <translation>MPEG 节目流视频</translation>
    </message>
    <message>
        <source>an MPEG video</source>
        <translation>MPEG 视频</translation>
    </message>
    <message>
        <source>a Core Audio file (CAF)</source>
        <translation>Core Audio 文件 (CAF)</translation>
    </message>
    <message>
        <source>AMR audio</source>
        <translation>AMR 音频</translation>
    </message>
    <message>
        <source>a MIDI file</source>
        <translation>MIDI 文件</translation>
    </message>
    <message>
        <source>AAC audio (ADTS)</source>
        <translation>AAC 音频 (ADTS)</translation>
    </message>
    <message>
        <source>a web font</source>
        <translation>网页字体</translation>
    </message>
    <message>
        <source>a Windows program</source>
        <translation>Windows 程序</translation>
    </message>
    <message>
        <source>an AVIF image</source>
        <translation>AVIF 图片</translation>
    </message>
    <message>
        <source>a HEIC image</source>
        <translation>HEIC 图片</translation>
    </message>
    <message>
        <source>a 3GP video</source>
        <translation>3GP 视频</translation>
    </message>
    <message>
        <source>an ISO media file of brand {brand}</source>
        <translation>品牌为 {brand} 的 ISO 媒体文件</translation>
    </message>
    <message>
        <source>AIFF audio</source>
        <translation>AIFF 音频</translation>
    </message>
    <message>
        <source>a RIFF file of type {type}</source>
        <translation>类型为 {type} 的 RIFF 文件</translation>
    </message>
    <message>
        <source>an MPEG transport stream video</source>
        <translation>MPEG 传输流视频</translation>
    </message>
    <message>
        <source>an SVG image</source>
        <translation>SVG 图片</translation>
    </message>
    <message>
        <source>a web page (HTML)</source>
        <translation>网页 (HTML)</translation>
    </message>
    <message>
        <source>text</source>
        <translation>文本</translation>
    </message>
</context>
<context>
    <name>MediaProbe</name>
    <message>
        <source>its {box} box has an impossible size</source>
        <translation>其 {box} box 的大小不合理</translation>
    </message>
    <message>
        <source>it ends in the middle of its {box} box</source>
        <translation>文件在 {box} box 中间截断</translation>
    </message>
    <message>
        <source>it holds less audio than its header says</source>
        <translation>其中的音频比文件头声明的少</translation>
    </message>
    <message>
        <source>its audio cannot be read</source>
        <translation>无法读取其中的音频</translation>
    </message>
    <message>
        <source>it holds no audio</source>
        <translation>其中没有音频</translation>
    </message>
    <message>
        <source>it ends before its stream header</source>
        <translation>文件在流头之前结束</translation>
    </message>
    <message>
        <source>it does not start with a stream header (STREAMINFO)</source>
        <translation>文件不是以流头 (STREAMINFO) 开始</translation>
    </message>
    <message>
        <source>it ends before its audio data</source>
        <translation>文件在音频数据之前结束</translation>
    </message>
    <message>
        <source>its data chunk comes before its format chunk</source>
        <translation>其 data 块位于 format 块之前</translation>
    </message>
    <message>
        <source>its data chunk is shorter than its header says</source>
        <translation>其 data 块比文件头声明的短</translation>
    </message>
    <message>
        <source>it ends in the middle of a box header</source>
        <translation>文件在 box 头中间截断</translation>
    </message>
    <message>
        <source>it has no &apos;moov&apos; box (the recording was probably not finished)</source>
        <translation>缺少 &apos;moov&apos; box（录制可能未正常结束）</translation>
    </message>
    <message>
        <source>its &apos;moov&apos; box is implausibly large</source>
        <translation>其 &apos;moov&apos; box 大得不合理</translation>
    </message>
    <message>
        <source>its &apos;mvhd&apos; box is too short</source>
        <translation>其 &apos;mvhd&apos; box 太短</translation>
    </message>
    <message>
        <source>it ends before its header</source>
        <translation>文件在文件头之前结束</translation>
    </message>
    <message>
        <source>it is shorter than its header says</source>
        <translation>文件比文件头声明的短</translation>
    </message>
    <message>
        <source>it ends in the middle of a chunk</source>
        <translation>文件在某个块中间截断</translation>
    </message>
    <message>
        <source>it ends in the middle of a list</source>
        <translation>文件在某个列表中间截断</translation>
    </message>
    <message>
        <source>it has no main header (&apos;avih&apos;)</source>
        <translation>缺少主文件头 (&apos;avih&apos;)</translation>
    </message>
    <message>
        <source>it has no movie data (&apos;movi&apos;)</source>
        <translation>缺少影片数据 (&apos;movi&apos;)</translation>
    </message>
    <message>
        <source>it ends in the middle of its header</source>
        <translation>文件在文件头中间截断</translation>
    </message>
    <message>
        <source>an object in its header has an impossible size</source>
        <translation>文件头中某个对象的大小不合理</translation>
    </message>
    <message>
        <source>it ends early</source>
        <translation>文件提前结束</translation>
    </message>
    <message>
        <source>it has no file properties object</source>
        <translation>缺少文件属性对象</translation>
    </message>
    <message>
        <source>it ends before its data object</source>
        <translation>文件在数据对象之前结束</translation>
    </message>
    <message>
        <source>its data object is shorter than its header says</source>
        <translation>其数据对象比文件头声明的短</translation>
    </message>
    <message>
        <source>it ends before its IEND chunk</source>
        <translation>文件在 IEND 块之前结束</translation>
    </message>
    <message>
        <source>a chunk has an impossible length</source>
        <translation>某个块的长度不合理</translation>
    </message>
    <message>
        <source>a chunk&apos;s checksum does not match its data</source>
        <translation>某个块的校验和与其数据不符</translation>
    </message>
    <message>
        <source>it does not start with an IHDR chunk</source>
        <translation>文件不是以 IHDR 块开始</translation>
    </message>
    <message>
        <source>it holds no image data</source>
        <translation>其中没有图像数据</translation>
    </message>
    <message>
        <source>its size is zero pixels</source>
        <translation>其尺寸为零像素</translation>
    </message>
    <message>
        <source>it ends before its image data</source>
        <translation>文件在图像数据之前结束</translation>
    </message>
    <message>
        <source>a segment marker is missing</source>
        <translation>缺少段标记</translation>
    </message>
    <message>
        <source>a segment has an impossible length</source>
        <translation>某个段的长度不合理</translation>
    </message>
    <message>
        <source>it has no frame header (SOF) giving its size</source>
        <translation>缺少给出尺寸的帧头 (SOF)</translation>
    </message>
    <message>
        <source>it has no end-of-image marker (EOI)</source>
        <translation>缺少图像结束标记 (EOI)</translation>
    </message>
    <message>
        <source>its width is zero pixels</source>
        <translation>其宽度为零像素</translation>
    </message>
    <message>
        <source>it ends before its trailer</source>
        <translation>文件在结尾标记之前结束</translation>
    </message>
    <message>
        <source>it holds a block of an unknown type</source>
        <translation>其中含有未知类型的块</translation>
    </message>
    <message>
        <source>it holds no image</source>
        <translation>其中没有图像</translation>
    </message>
    <message>
        <source>it ends before its pixels</source>
        <translation>文件在像素数据之前结束</translation>
    </message>
    <message>
        <source>it claims an impossible {bits} bits per pixel</source>
        <translation>其声明的每像素 {bits} 位不合理</translation>
    </message>
    <message>
        <source>it ends before its last row of pixels</source>
        <translation>文件在最后一行像素之前结束</translation>
    </message>
    <message>
        <source>its first chunk is not a VP8, VP8L or VP8X header</source>
        <translation>其第一个块不是 VP8、VP8L 或 VP8X 头</translation>
    </message>
</context>
<context>
    <name>MimoClient</name>
    <message>
        <source>The connection closed before the reply was complete</source>
        <translation>回复尚未完成，连接就已关闭</translation>
    </message>
    <message>
        <source>The server sent no reply</source>
        <extracomment>A request body, or a function that builds it (called in a worker thread).</extracomment>
        <translation>服务器没有发送回复</translation>
    </message>
</context>
<context>
    <name>ModelPicker</name>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>&amp;Model:</source>
        <translation>模型(&amp;M)：</translation>
    </message>
</context>
<context>
    <name>ModelsController</name>
    <message>
        <source>Could not refresh the model list: {error}</source>
        <translation>无法刷新模型列表：{error}</translation>
    </message>
</context>
<context>
    <name>Network</name>
    <message>
        <source>Enter the proxy address, like http://proxy.example.com:8080.</source>
        <extracomment>Connecting never waits longer than this, however long a reply may pause.</extracomment>
        <translation>请输入代理地址，例如 http://proxy.example.com:8080。</translation>
    </message>
    <message>
        <source>The proxy address must not contain spaces.</source>
        <translation>代理地址中不能包含空格。</translation>
    </message>
    <message>
        <source>Start the proxy address with http://, https://, socks5:// or socks5h://.</source>
        <translation>代理地址须以 http://、https://、socks5:// 或 socks5h:// 开头。</translation>
    </message>
    <message>
        <source>{scheme}:// proxies are not supported. Use http://, https://, socks5:// or socks5h://.</source>
        <translation>不支持 {scheme}:// 代理。请使用 http://、https://、socks5:// 或 socks5h://。</translation>
    </message>
    <message>
        <source>This is not a valid proxy address. The port must be a number from 1 to 65535, and special characters in the user name or password must be percent-encoded.</source>
        <translation>这不是有效的代理地址。端口必须是 1 到 65535 之间的数字，用户名或密码中的特殊字符必须进行百分号编码。</translation>
    </message>
    <message>
        <source>Percent-encode the special characters of the user name and password (/ as %2F, ? as %3F, # as %23).</source>
        <translation>请对用户名和密码中的特殊字符进行百分号编码（/ 写作 %2F，? 写作 %3F，# 写作 %23）。</translation>
    </message>
    <message>
        <source>A proxy address has no path: give only the host and the port.</source>
        <translation>代理地址不能包含路径：只需填写主机和端口。</translation>
    </message>
    <message>
        <source>Add the proxy&apos;s host name, like http://proxy.example.com:8080.</source>
        <translation>请添加代理的主机名，例如 http://proxy.example.com:8080。</translation>
    </message>
    <message>
        <source>Add the proxy&apos;s port number after the host name, like :8080 (1 to 65535).</source>
        <translation>请在主机名后添加代理的端口号，例如 :8080（1 到 65535）。</translation>
    </message>
    <message>
        <source>The system proxy {proxy} is not supported: it must be an http://, https://, socks5:// or socks5h:// proxy. Choose another proxy setting.</source>
        <translation>不支持系统代理 {proxy}：它必须是 http://、https://、socks5:// 或 socks5h:// 代理。请选择其他代理设置。</translation>
    </message>
    <message>
        <source>The CA bundle {path} does not exist.</source>
        <translation>CA 证书包 {path} 不存在。</translation>
    </message>
    <message>
        <source>The CA bundle {path} is a folder; choose a PEM file.</source>
        <translation>CA 证书包 {path} 是一个文件夹；请选择 PEM 文件。</translation>
    </message>
    <message>
        <source>The CA bundle {path} cannot be read: permission denied.</source>
        <translation>无法读取 CA 证书包 {path}：权限不足。</translation>
    </message>
    <message>
        <source>The CA bundle {path} cannot be read: {reason}.</source>
        <translation>无法读取 CA 证书包 {path}：{reason}。</translation>
    </message>
    <message>
        <source>The CA bundle {path} holds no PEM certificate (text starting with -----BEGIN CERTIFICATE-----).</source>
        <translation>CA 证书包 {path} 中没有 PEM 证书（以 -----BEGIN CERTIFICATE----- 开头的文本）。</translation>
    </message>
    <message>
        <source>The CA bundle {path} holds a certificate that cannot be used ({reason}).</source>
        <translation>CA 证书包 {path} 中有无法使用的证书（{reason}）。</translation>
    </message>
    <message>
        <source>The proxy settings cannot be used. Check the proxy address.</source>
        <translation>无法使用当前代理设置。请检查代理地址。</translation>
    </message>
    <message>
        <source>Unknown proxy setting “{mode}”.</source>
        <translation>未知的代理设置“{mode}”。</translation>
    </message>
    <message>
        <source>A custom proxy is chosen, but no proxy address is set.</source>
        <translation>已选择自定义代理，但未设置代理地址。</translation>
    </message>
    <message>
        <source>The network settings cannot be used: {reason}</source>
        <translation>无法使用当前网络设置：{reason}</translation>
    </message>
    <message>
        <source>the connection is closed.</source>
        <translation>连接已关闭。</translation>
    </message>
</context>
<context>
    <name>NetworkDialog</name>
    <message>
        <source>Network settings</source>
        <extracomment>Lists the endpoint&apos;s models through the given settings (raises on failure).</extracomment>
        <translation>网络设置</translation>
    </message>
    <message>
        <source>Proxy</source>
        <translation>代理</translation>
    </message>
    <message>
        <source>Use the &amp;system proxy settings</source>
        <translation>使用系统代理设置(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;No proxy (connect directly)</source>
        <translation>不使用代理（直接连接）(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Custom proxy:</source>
        <translation>自定义代理(&amp;C)：</translation>
    </message>
    <message>
        <source>Proxy address</source>
        <translation>代理地址</translation>
    </message>
    <message>
        <source>http://proxy.example.com:8080 or socks5://host:1080</source>
        <translation>http://proxy.example.com:8080 或 socks5://host:1080</translation>
    </message>
    <message>
        <source>http://, https://, socks5:// or socks5h://, then an optional user:password@, the host and the port</source>
        <translation>http://、https://、socks5:// 或 socks5h://，然后是可选的 user:password@、主机和端口</translation>
    </message>
    <message>
        <source>Requests</source>
        <translation>请求</translation>
    </message>
    <message>
        <source>Request timeout in seconds</source>
        <translation>请求超时（秒）</translation>
    </message>
    <message>
        <source> s</source>
        <translation> 秒</translation>
    </message>
    <message>
        <source>How long to wait for a connection (at most 30 s) and for the next part of a reply. A model that thinks for long may need more.</source>
        <translation>等待建立连接（最多 30 秒）以及等待回复下一部分的时长。思考时间较长的模型可能需要更长的超时。</translation>
    </message>
    <message>
        <source>&amp;Timeout:</source>
        <translation>超时(&amp;T)：</translation>
    </message>
    <message>
        <source>Certificates</source>
        <translation>证书</translation>
    </message>
    <message>
        <source>TLS certificates are always verified. If a proxy on your network inspects secure connections, add its certificate authority here (a PEM file); it is trusted in addition to the built-in ones.</source>
        <translation>TLS 证书始终会被验证。如果你网络中的代理会检查安全连接，请在此添加其证书颁发机构（PEM 文件）；它将与内置的证书颁发机构一同受信任。</translation>
    </message>
    <message>
        <source>Extra CA certificates file</source>
        <translation>额外的 CA 证书文件</translation>
    </message>
    <message>
        <source>None: only the built-in authorities</source>
        <translation>无：仅使用内置的证书颁发机构</translation>
    </message>
    <message>
        <source>&amp;Browse…</source>
        <translation>浏览(&amp;B)…</translation>
    </message>
    <message>
        <source>Choose the CA certificates file</source>
        <translation>选择 CA 证书文件</translation>
    </message>
    <message>
        <source>C&amp;lear</source>
        <translation>清除(&amp;L)</translation>
    </message>
    <message>
        <source>Use only the built-in authorities</source>
        <translation>仅使用内置的证书颁发机构</translation>
    </message>
    <message>
        <source>CA &amp;bundle:</source>
        <translation>CA 证书包(&amp;B)：</translation>
    </message>
    <message>
        <source>T&amp;est connection</source>
        <translation>测试连接(&amp;E)</translation>
    </message>
    <message>
        <source>Test the connection with these settings</source>
        <translation>用这些设置测试连接</translation>
    </message>
    <message>
        <source>No proxy is set in the environment (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY).</source>
        <translation>环境变量中未设置代理（HTTP_PROXY、HTTPS_PROXY、ALL_PROXY）。</translation>
    </message>
    <message>
        <source>From the environment: {proxies}</source>
        <translation>来自环境变量：{proxies}</translation>
    </message>
    <message>
        <source>CA certificates file</source>
        <translation>CA 证书文件</translation>
    </message>
    <message>
        <source>PEM certificates (*.pem *.crt *.cer)</source>
        <translation>PEM 证书 (*.pem *.crt *.cer)</translation>
    </message>
    <message>
        <source>All files (*)</source>
        <translation>所有文件 (*)</translation>
    </message>
    <message>
        <source>Connecting to {endpoint}…</source>
        <translation>正在连接 {endpoint}…</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>正在连接…</translation>
    </message>
    <message>
        <source>The connection works: the server answered, but did not accept the API key ({reason}).</source>
        <translation>连接正常：服务器已响应，但不接受该 API 密钥（{reason}）。</translation>
    </message>
    <message>
        <source>The test failed: {reason}</source>
        <translation>测试失败：{reason}</translation>
    </message>
    <message>
        <source>The connection works: the server sent its model list ({count}).</source>
        <translation>连接正常：服务器已发送其模型列表（{count}）。</translation>
    </message>
    <message>
        <source>List the models of the current endpoint</source>
        <translation>列出当前端点的模型</translation>
    </message>
    <message>
        <source>Testing is not available here</source>
        <translation>此处无法进行测试</translation>
    </message>
</context>
<context>
    <name>OfferBar</name>
    <message>
        <source>Dismiss</source>
        <translation>关闭</translation>
    </message>
</context>
<context>
    <name>OpenAIWire</name>
    <message>
        <source>The server sent a reply that is not valid JSON</source>
        <extracomment>Message keys the app keeps for the Anthropic format; never sent in this one.</extracomment>
        <translation>服务器发送的回复不是有效的 JSON</translation>
    </message>
    <message>
        <source>The server sent a stream chunk of the wrong shape</source>
        <translation>服务器发送的流数据块格式不正确</translation>
    </message>
    <message>
        <source>The server&apos;s reply holds no answer</source>
        <translation>服务器的回复中没有答案</translation>
    </message>
    <message>
        <source>The server&apos;s model list has the wrong shape</source>
        <translation>服务器的模型列表格式不正确</translation>
    </message>
    <message>
        <source>The server reported an error</source>
        <translation>服务器报告了错误</translation>
    </message>
    <message>
        <source>The server reported an error during the reply</source>
        <translation>服务器在回复过程中报告了错误</translation>
    </message>
</context>
<context>
    <name>PreferencesDialog</name>
    <message>
        <source>Preferences</source>
        <translation>偏好设置</translation>
    </message>
    <message>
        <source>Follow the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>浅色</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>深色</translation>
    </message>
    <message>
        <source>Theme</source>
        <translation>主题</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Name chats with MiMo-V2-Flash</source>
        <translation>用 MiMo-V2-Flash 命名对话</translation>
    </message>
    <message>
        <source>After a chat&apos;s first reply, ask Flash for a short title (a small cost)</source>
        <translation>对话首次回复后，请 Flash 生成简短标题（少量费用）</translation>
    </message>
    <message>
        <source>Read replies aloud</source>
        <translation>朗读回复</translation>
    </message>
    <message>
        <source>Speak each reply while it streams in</source>
        <translation>回复生成时同步朗读</translation>
    </message>
    <message>
        <source>Look</source>
        <translation>外观</translation>
    </message>
    <message>
        <source>&amp;Theme:</source>
        <translation>主题(&amp;T)：</translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation>语言(&amp;L)：</translation>
    </message>
    <message>
        <source>Chat</source>
        <translation>对话</translation>
    </message>
    <message>
        <source>More settings</source>
        <translation>更多设置</translation>
    </message>
    <message>
        <source>API &amp;keys…</source>
        <translation>API 密钥(&amp;K)…</translation>
    </message>
    <message>
        <source>&amp;Network…</source>
        <translation>网络(&amp;N)…</translation>
    </message>
    <message>
        <source>T&amp;ools…</source>
        <translation>工具(&amp;O)…</translation>
    </message>
    <message>
        <source>P&amp;rices…</source>
        <translation>价格(&amp;R)…</translation>
    </message>
</context>
<context>
    <name>PricesDialog</name>
    <message>
        <source>Model prices</source>
        <translation>模型价格</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Input</source>
        <translation>输入</translation>
    </message>
    <message>
        <source>Cached input</source>
        <translation>缓存输入</translation>
    </message>
    <message>
        <source>Output</source>
        <translation>输出</translation>
    </message>
    <message>
        <source>USD per million tokens. Leave “Cached input” blank when a model has no reduced rate for cached input. Prices that differ from the catalogue&apos;s are shown in bold.</source>
        <translation>单位为美元/百万 token。如果模型没有缓存输入优惠价，请将“缓存输入”留空。与目录价格不同的价格以粗体显示。</translation>
    </message>
    <message>
        <source>Reset to &amp;catalogue prices</source>
        <translation>恢复为目录价格(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Prices per million tokens:</source>
        <translation>每百万 token 价格(&amp;P)：</translation>
    </message>
    <message>
        <source>Not in the catalogue</source>
        <translation>不在模型目录中</translation>
    </message>
    <message>
        <source>{model}: give both an input and an output price.</source>
        <translation>{model}：请同时填写输入价格和输出价格。</translation>
    </message>
    <message>
        <source>{model}: the catalogue has a price; give one or reset it.</source>
        <translation>{model}：目录中有此模型的价格；请填写价格或恢复默认。</translation>
    </message>
</context>
<context>
    <name>Providers</name>
    <message>
        <source>MiMo API</source>
        <extracomment>The wire formats an endpoint can speak (see :class:`app.core.connection.Connection`).</extracomment>
        <translation>MiMo API</translation>
    </message>
    <message>
        <source>Xiaomi MiMo (pay-as-you-go)</source>
        <translation>Xiaomi MiMo（按量付费）</translation>
    </message>
    <message>
        <source>Xiaomi MiMo (pay-as-you-go, Anthropic format)</source>
        <translation>Xiaomi MiMo（按量付费，Anthropic 格式）</translation>
    </message>
    <message>
        <source>Xiaomi MiMo Token Plan (China)</source>
        <translation>Xiaomi MiMo Token Plan（中国）</translation>
    </message>
    <message>
        <source>Xiaomi MiMo Token Plan (Singapore)</source>
        <translation>Xiaomi MiMo Token Plan（新加坡）</translation>
    </message>
    <message>
        <source>Xiaomi MiMo Token Plan (Europe)</source>
        <translation>Xiaomi MiMo Token Plan（欧洲）</translation>
    </message>
    <message>
        <source>Custom endpoint</source>
        <translation>自定义端点</translation>
    </message>
    <message>
        <source>Enter the server address, for example https://api.mimo-v2.com/v1.</source>
        <translation>请输入服务器地址，例如 https://api.mimo-v2.com/v1。</translation>
    </message>
    <message>
        <source>The server address must not contain spaces.</source>
        <translation>服务器地址中不能包含空格。</translation>
    </message>
    <message>
        <source>The server address must start with https:// or http://.</source>
        <translation>服务器地址须以 https:// 或 http:// 开头。</translation>
    </message>
    <message>
        <source>The server address has no host name.</source>
        <translation>服务器地址中缺少主机名。</translation>
    </message>
    <message>
        <source>The port number in the server address is not valid.</source>
        <translation>服务器地址中的端口号无效。</translation>
    </message>
    <message>
        <source>The server address must not contain &apos;?&apos; or &apos;#&apos;.</source>
        <translation>服务器地址中不能包含“?”或“#”。</translation>
    </message>
    <message>
        <source>This looks like a Token Plan key (tp-...), but {provider} takes pay-as-you-go keys (sk-...). Choose the Token Plan preset for your region instead.</source>
        <translation>这看起来是 Token Plan 密钥（tp-...），但 {provider} 使用按量付费密钥（sk-...）。请改为选择你所在地区的 Token Plan 预设。</translation>
    </message>
    <message>
        <source>This looks like a pay-as-you-go key (sk-...), but {provider} takes Token Plan keys (tp-...). Choose a pay-as-you-go preset instead.</source>
        <translation>这看起来是按量付费密钥（sk-...），但 {provider} 使用 Token Plan 密钥（tp-...）。请改为选择按量付费预设。</translation>
    </message>
</context>
<context>
    <name>RecordingBar</name>
    <message>
        <source>Microphone level</source>
        <translation>麦克风音量</translation>
    </message>
    <message>
        <source>Attach</source>
        <translation>添加</translation>
    </message>
    <message>
        <source>Stop recording and attach it to the message</source>
        <translation>停止录音并添加到消息</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Throw the recording away (Esc)</source>
        <translation>丢弃录音 (Esc)</translation>
    </message>
    <message>
        <source>Recording {time}</source>
        <translation>正在录音 {time}</translation>
    </message>
</context>
<context>
    <name>RequestMedia</name>
    <message>
        <source>The attached file {name} could not be sent: {error}</source>
        <translation>无法发送附件 {name}：{error}</translation>
    </message>
</context>
<context>
    <name>SSEDecoder</name>
    <message>
        <source>The server sent text that is not valid UTF-8</source>
        <translation>服务器发送的文本不是有效的 UTF-8</translation>
    </message>
</context>
<context>
    <name>SearchDialog</name>
    <message>
        <source>Search conversations</source>
        <translation>搜索对话</translation>
    </message>
    <message>
        <source>Search every message…</source>
        <translation>搜索所有消息…</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <source>Results</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>New chat</source>
        <translation>新对话</translation>
    </message>
    <message>
        <source>No matches.</source>
        <translation>没有匹配项。</translation>
    </message>
    <message>
        <source>1 match</source>
        <translation>1 个匹配项</translation>
    </message>
    <message numerus="yes">
        <source>%n matches</source>
        <translation>
            <numerusform>%n 个匹配项</numerusform>
        </translation>
    </message>
    <message>
        <source>Enter opens the selected match.</source>
        <translation>按 Enter 打开选中的匹配项。</translation>
    </message>
</context>
<context>
    <name>SecretStore</name>
    <message>
        <source>No system keyring is available; your API keys are stored in {path} (readable only by you).</source>
        <translation>没有可用的系统钥匙串；你的 API 密钥保存在 {path} 中（仅你本人可读取）。</translation>
    </message>
</context>
<context>
    <name>ServerList</name>
    <message>
        <source>MCP servers</source>
        <translation>MCP 服务器</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Transport</source>
        <translation>传输方式</translation>
    </message>
    <message>
        <source>Command or URL</source>
        <translation>命令或 URL</translation>
    </message>
    <message>
        <source>Tick to turn the server on</source>
        <translation>勾选以启用此服务器</translation>
    </message>
    <message>
        <source>stdio</source>
        <translation>stdio</translation>
    </message>
    <message>
        <source>HTTP</source>
        <translation>HTTP</translation>
    </message>
</context>
<context>
    <name>ShortcutsDialog</name>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>按键</translation>
    </message>
    <message>
        <source>Message box</source>
        <translation>输入框</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <source>New line</source>
        <translation>换行</translation>
    </message>
    <message>
        <source>Use model 1 … 9</source>
        <translation>使用第 1 … 9 个模型</translation>
    </message>
</context>
<context>
    <name>SoundBackend</name>
    <message>
        <source>Sound output needs PortAudio: sudo apt install libportaudio2</source>
        <translation>声音输出需要 PortAudio：sudo apt install libportaudio2</translation>
    </message>
    <message>
        <source>Sound output needs the PortAudio library, which was not found</source>
        <translation>声音输出需要 PortAudio 库，但未找到</translation>
    </message>
    <message>
        <source>Sound output needs the Python package sounddevice</source>
        <translation>声音输出需要 Python 软件包 sounddevice</translation>
    </message>
    <message>
        <source>No sound output device was found. Connect speakers or headphones</source>
        <translation>未找到声音输出设备。请连接扬声器或耳机</translation>
    </message>
    <message>
        <source>No microphone was found. Connect one, or check it is not disabled</source>
        <translation>未找到麦克风。请连接麦克风，或检查它是否已被禁用</translation>
    </message>
    <message>
        <source>The sound output device stopped working (was it unplugged?)</source>
        <translation>声音输出设备停止工作（是否已拔出？）</translation>
    </message>
    <message>
        <source>The sound devices could not be listed: {error}</source>
        <translation>无法列出声音设备：{error}</translation>
    </message>
    <message>
        <source>The microphone could not be opened: {error}</source>
        <translation>无法打开麦克风：{error}</translation>
    </message>
    <message>
        <source>The sound output could not be opened: {error}</source>
        <translation>无法打开声音输出：{error}</translation>
    </message>
    <message>
        <source>The sound output could not be started: {error}</source>
        <translation>无法启动声音输出：{error}</translation>
    </message>
</context>
<context>
    <name>SpeechController</name>
    <message>
        <source>There is nothing to read aloud in this reply.</source>
        <translation>此回复中没有可朗读的内容。</translation>
    </message>
    <message>
        <source>There is no audio to save yet.</source>
        <translation>还没有可保存的音频。</translation>
    </message>
    <message>
        <source>Speech needs an API key: Settings &gt; API key…</source>
        <translation>语音功能需要 API 密钥：设置 &gt; API 密钥…</translation>
    </message>
    <message>
        <source>Speech failed: {0}</source>
        <translation>语音失败：{0}</translation>
    </message>
    <message>
        <source>{reason}: retrying in {seconds} s…</source>
        <translation>{reason}：{seconds} 秒后重试…</translation>
    </message>
</context>
<context>
    <name>SpeechWire</name>
    <message>
        <source>The server&apos;s reply holds no audio</source>
        <translation>服务器的回复中没有音频</translation>
    </message>
    <message>
        <source>The server reported an error during the reply</source>
        <translation>服务器在回复过程中报告了错误</translation>
    </message>
    <message>
        <source>The audio is not a readable WAV file</source>
        <translation>该音频不是可读取的 WAV 文件</translation>
    </message>
    <message>
        <source>The WAV audio is not 16-bit PCM</source>
        <translation>WAV 音频不是 16 位 PCM</translation>
    </message>
    <message>
        <source>The server sent audio that is not valid base64</source>
        <translation>服务器发送的音频不是有效的 base64</translation>
    </message>
</context>
<context>
    <name>TextSection</name>
    <message>
        <source>Show less</source>
        <translation>收起</translation>
    </message>
    <message>
        <source>Show all ({count} more lines)</source>
        <translation>显示全部（还有 {count} 行）</translation>
    </message>
    <message>
        <source>Show all</source>
        <translation>显示全部</translation>
    </message>
</context>
<context>
    <name>ToolBox</name>
    <message>
        <source>The MCP server &apos;{name}&apos; is set up wrongly: {problem}</source>
        <translation>MCP 服务器“{name}”配置有误：{problem}</translation>
    </message>
</context>
<context>
    <name>ToolCallCard</name>
    <message>
        <source>Tool call: {name}</source>
        <translation>工具调用：{name}</translation>
    </message>
    <message>
        <source>Requested</source>
        <translation>已请求</translation>
    </message>
    <message>
        <source>Tool</source>
        <translation>工具</translation>
    </message>
    <message>
        <source>Arguments</source>
        <translation>参数</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Allow once</source>
        <translation>允许一次</translation>
    </message>
    <message>
        <source>Allow {name} this once</source>
        <translation>允许 {name} 这一次</translation>
    </message>
    <message>
        <source>Always allow “{name}”</source>
        <translation>始终允许“{name}”</translation>
    </message>
    <message>
        <source>Always allow {name}</source>
        <translation>始终允许 {name}</translation>
    </message>
    <message>
        <source>Deny</source>
        <translation>拒绝</translation>
    </message>
    <message>
        <source>Deny this call of {name}</source>
        <translation>拒绝 {name} 的这次调用</translation>
    </message>
    <message>
        <source>Waiting for your approval</source>
        <translation>等待你的批准</translation>
    </message>
    <message>
        <source>Done in {seconds} s</source>
        <translation>已完成，用时 {seconds} 秒</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>Denied</source>
        <translation>已拒绝</translation>
    </message>
    <message>
        <source>Timed out after {seconds} s</source>
        <translation>{seconds} 秒后超时</translation>
    </message>
    <message>
        <source>Hide the details</source>
        <translation>隐藏详情</translation>
    </message>
    <message>
        <source>Show the details</source>
        <translation>显示详情</translation>
    </message>
    <message>
        <source>These arguments are not a valid JSON object; shown as sent.</source>
        <translation>这些参数不是有效的 JSON 对象；按原样显示。</translation>
    </message>
    <message>
        <source>Running… {seconds} s</source>
        <translation>运行中… {seconds} 秒</translation>
    </message>
    <message>
        <source>Allowed</source>
        <translation>已允许</translation>
    </message>
</context>
<context>
    <name>ToolsButton</name>
    <message>
        <source>Choose the tools the model may call</source>
        <translation>选择模型可以调用的工具</translation>
    </message>
    <message>
        <source>Tools</source>
        <translation>工具</translation>
    </message>
    <message>
        <source>Turn all on</source>
        <translation>全部开启</translation>
    </message>
    <message>
        <source>Turn all off</source>
        <translation>全部关闭</translation>
    </message>
    <message>
        <source>Tool settings…</source>
        <translation>工具设置…</translation>
    </message>
    <message>
        <source>Built-in</source>
        <translation>内置</translation>
    </message>
    <message>
        <source>No tools available</source>
        <translation>没有可用的工具</translation>
    </message>
    <message>
        <source>{server}: could not start — {error}</source>
        <translation>{server}：无法启动 — {error}</translation>
    </message>
    <message>
        <source>Tools · {count}</source>
        <translation>工具 · {count}</translation>
    </message>
    <message>
        <source>Tools, {count} of {total} on</source>
        <translation>工具，已开启 {count} 个，共 {total} 个</translation>
    </message>
</context>
<context>
    <name>ToolsSettingsDialog</name>
    <message>
        <source>Tool settings</source>
        <translation>工具设置</translation>
    </message>
    <message>
        <source>Built-in tools</source>
        <translation>内置工具</translation>
    </message>
    <message>
        <source>The read_text_file and list_files tools may read files only inside this folder and its subfolders; with no folder they are off.</source>
        <translation>read_text_file 和 list_files 工具只能读取此文件夹及其子文件夹中的文件；未设置文件夹时这两个工具不可用。</translation>
    </message>
    <message>
        <source>Folder the file tools may read</source>
        <translation>文件工具可读取的文件夹</translation>
    </message>
    <message>
        <source>No folder: the file tools are off</source>
        <translation>未设置文件夹：文件工具不可用</translation>
    </message>
    <message>
        <source>&amp;Browse…</source>
        <translation>浏览(&amp;B)…</translation>
    </message>
    <message>
        <source>Choose the folder</source>
        <translation>选择文件夹</translation>
    </message>
    <message>
        <source>Most tool rounds per reply</source>
        <translation>每次回复最多工具轮数</translation>
    </message>
    <message>
        <source>How many times in a row the model may call tools before it must answer</source>
        <translation>模型在必须作答前最多可以连续调用工具的次数</translation>
    </message>
    <message>
        <source>&amp;Folder:</source>
        <translation>文件夹(&amp;F)：</translation>
    </message>
    <message>
        <source>Most tool &amp;rounds per reply:</source>
        <translation>每次回复最多工具轮数(&amp;R)：</translation>
    </message>
    <message>
        <source>MCP servers</source>
        <translation>MCP 服务器</translation>
    </message>
    <message>
        <source>&amp;Add…</source>
        <translation>添加(&amp;A)…</translation>
    </message>
    <message>
        <source>&amp;Edit…</source>
        <translation>编辑(&amp;E)…</translation>
    </message>
    <message>
        <source>Re&amp;move</source>
        <translation>删除(&amp;M)</translation>
    </message>
    <message>
        <source>&amp;Test</source>
        <translation>测试(&amp;T)</translation>
    </message>
    <message>
        <source>Add an MCP server</source>
        <translation>添加 MCP 服务器</translation>
    </message>
    <message>
        <source>Edit the selected server</source>
        <translation>编辑所选服务器</translation>
    </message>
    <message>
        <source>Remove the selected server</source>
        <translation>删除所选服务器</translation>
    </message>
    <message>
        <source>Test the selected server</source>
        <translation>测试所选服务器</translation>
    </message>
    <message>
        <source>Always allowed tools</source>
        <translation>始终允许的工具</translation>
    </message>
    <message>
        <source>These tools run without asking you first.</source>
        <translation>这些工具运行前不会询问你。</translation>
    </message>
    <message>
        <source>Re&amp;voke</source>
        <translation>撤销(&amp;V)</translation>
    </message>
    <message>
        <source>Ask again before running the tool</source>
        <translation>运行此工具前重新询问</translation>
    </message>
    <message>
        <source>Testing {name}…</source>
        <translation>正在测试 {name}…</translation>
    </message>
    <message>
        <source>{name} failed: {reason}</source>
        <translation>{name} 失败：{reason}</translation>
    </message>
    <message>
        <source>{name} works and offers {count} tools: {names}</source>
        <translation>{name} 工作正常，提供 {count} 个工具：{names}</translation>
    </message>
    <message>
        <source>Testing is not available here</source>
        <translation>此处无法进行测试</translation>
    </message>
    <message>
        <source>Start the server and list its tools</source>
        <translation>启动服务器并列出其工具</translation>
    </message>
    <message>
        <source>⚠ There is no such folder.</source>
        <translation>⚠ 该文件夹不存在。</translation>
    </message>
</context>
<context>
    <name>TransferController</name>
    <message>
        <source>Markdown (*.md)</source>
        <translation>Markdown (*.md)</translation>
    </message>
    <message>
        <source>MiMo Desktop conversation (*.json)</source>
        <translation>MiMo Desktop 对话 (*.json)</translation>
    </message>
    <message>
        <source>Export conversation</source>
        <translation>导出对话</translation>
    </message>
    <message>
        <source>Import conversation</source>
        <translation>导入对话</translation>
    </message>
    <message>
        <source>Images, audio and video ({patterns})</source>
        <translation>图片、音频和视频 ({patterns})</translation>
    </message>
    <message>
        <source>All files (*)</source>
        <translation>所有文件 (*)</translation>
    </message>
    <message>
        <source>Attach files</source>
        <translation>添加附件</translation>
    </message>
    <message>
        <source>The history is not available in this session.</source>
        <translation>本次会话中历史记录不可用。</translation>
    </message>
    <message>
        <source>Could not export to {path}: {reason}</source>
        <translation>无法导出到 {path}：{reason}</translation>
    </message>
    <message>
        <source>Could not import {name}: {reason}</source>
        <translation>无法导入 {name}：{reason}</translation>
    </message>
</context>
<context>
    <name>TtsPanel</name>
    <message>
        <source>MiMo default</source>
        <translation>MiMo 默认</translation>
    </message>
    <message>
        <source>Chinese</source>
        <translation>中文</translation>
    </message>
    <message>
        <source>English</source>
        <translation>英文</translation>
    </message>
    <message>
        <source>Neutral</source>
        <translation>平静</translation>
    </message>
    <message>
        <source>Happy</source>
        <translation>开心</translation>
    </message>
    <message>
        <source>Sad</source>
        <translation>悲伤</translation>
    </message>
    <message>
        <source>Whisper</source>
        <translation>耳语</translation>
    </message>
    <message>
        <source>Excited</source>
        <translation>兴奋</translation>
    </message>
    <message>
        <source>Calm</source>
        <translation>沉稳</translation>
    </message>
    <message>
        <source>PCM, streamed (starts at once)</source>
        <translation>PCM，流式（立即开始播放）</translation>
    </message>
    <message>
        <source>WAV file</source>
        <translation>WAV 文件</translation>
    </message>
    <message>
        <source>MP3 file</source>
        <translation>MP3 文件</translation>
    </message>
    <message>
        <source>Speech</source>
        <translation>语音</translation>
    </message>
    <message>
        <source>Type or paste the text to speak…</source>
        <translation>输入或粘贴要朗读的文本…</translation>
    </message>
    <message>
        <source>Text to speak</source>
        <translation>要朗读的文本</translation>
    </message>
    <message>
        <source>Voice</source>
        <translation>音色</translation>
    </message>
    <message>
        <source>Style</source>
        <translation>风格</translation>
    </message>
    <message>
        <source>e.g. slowly, like a bedtime story</source>
        <translation>例如：慢慢地，像讲睡前故事一样</translation>
    </message>
    <message>
        <source>Style instruction</source>
        <translation>风格说明</translation>
    </message>
    <message>
        <source>Format</source>
        <translation>格式</translation>
    </message>
    <message>
        <source>WAV and MP3 play once the whole file has arrived</source>
        <translation>WAV 和 MP3 需等整个文件接收完毕后才开始播放</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Speak</source>
        <translation>朗读</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Save as…</source>
        <translation>另存为…</translation>
    </message>
    <message>
        <source>Output level</source>
        <translation>输出电平</translation>
    </message>
    <message>
        <source>Elapsed and total time</source>
        <translation>已播放时间和总时长</translation>
    </message>
    <message>
        <source>Volume</source>
        <translation>音量</translation>
    </message>
    <message>
        <source>Output device</source>
        <translation>输出设备</translation>
    </message>
    <message>
        <source>System default</source>
        <translation>系统默认</translation>
    </message>
    <message>
        <source>Auto-read replies</source>
        <translation>自动朗读回复</translation>
    </message>
    <message>
        <source>Read each reply aloud while it streams in</source>
        <translation>在回复生成时自动朗读</translation>
    </message>
    <message>
        <source>&amp;Voice</source>
        <translation>音色(&amp;V)</translation>
    </message>
    <message>
        <source>St&amp;yle</source>
        <translation>风格(&amp;Y)</translation>
    </message>
    <message>
        <source>&amp;Instruction</source>
        <translation>说明(&amp;I)</translation>
    </message>
    <message>
        <source>&amp;Format</source>
        <translation>格式(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Model</source>
        <translation>模型(&amp;M)</translation>
    </message>
    <message>
        <source>Vol&amp;ume</source>
        <translation>音量(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Output</source>
        <translation>输出(&amp;O)</translation>
    </message>
    <message>
        <source>{device} (not connected)</source>
        <translation>{device}（未连接）</translation>
    </message>
    <message>
        <source>Type something to speak first.</source>
        <translation>请先输入要朗读的内容。</translation>
    </message>
</context>
<context>
    <name>UserBubble</name>
    <message>
        <source>You</source>
        <translation>你</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation>编辑</translation>
    </message>
    <message>
        <source>Edit and send again</source>
        <translation>编辑后重新发送</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Copy the message</source>
        <translation>复制消息</translation>
    </message>
</context>
<context>
    <name>Wiring</name>
    <message>
        <source>The reply stopped at the output limit.</source>
        <translation>回复已达到输出上限而停止。</translation>
    </message>
    <message>
        <source>The reply was stopped by the content filter.</source>
        <translation>回复被内容过滤器中止。</translation>
    </message>
    <message>
        <source>The reply was cut off for repeating itself.</source>
        <translation>回复因内容重复被截断。</translation>
    </message>
    <message>
        <source>Nothing to export yet: this chat has no messages.</source>
        <translation>暂无可导出的内容：此对话还没有消息。</translation>
    </message>
    <message>
        <source>Conversation imported.</source>
        <translation>对话已导入。</translation>
    </message>
    <message>
        <source>Exported to {0}</source>
        <translation>已导出到 {0}</translation>
    </message>
    <message>
        <source>, </source>
        <translation>、</translation>
    </message>
    <message>
        <source>{model} cannot read {kinds}.</source>
        <translation>{model} 无法读取{kinds}。</translation>
    </message>
    <message>
        <source>Switch to {model}</source>
        <translation>切换到 {model}</translation>
    </message>
    <message>
        <source>Select some text to speak first.</source>
        <translation>请先选择要朗读的文字。</translation>
    </message>
    <message>
        <source>About MiMo Desktop</source>
        <translation>关于 MiMo Desktop</translation>
    </message>
    <message>
        <source>&lt;b&gt;MiMo Desktop&lt;/b&gt; {version}</source>
        <translation>&lt;b&gt;MiMo Desktop&lt;/b&gt; {version}</translation>
    </message>
    <message>
        <source>A native app for chatting with and listening to the MiMo models. Your conversations stay on this computer; your API key stays in the system keyring.</source>
        <translation>一款原生桌面应用，用于与 MiMo 模型对话并收听语音。你的对话只保存在这台电脑上，API 密钥保存在系统钥匙串中。</translation>
    </message>
    <message>
        <source>WAV audio (*.wav)</source>
        <translation>WAV 音频 (*.wav)</translation>
    </message>
    <message>
        <source>FLAC audio (*.flac)</source>
        <translation>FLAC 音频 (*.flac)</translation>
    </message>
    <message>
        <source>Ogg Vorbis audio (*.ogg)</source>
        <translation>Ogg Vorbis 音频 (*.ogg)</translation>
    </message>
    <message>
        <source>MP3 audio (*.mp3)</source>
        <translation>MP3 音频 (*.mp3)</translation>
    </message>
    <message>
        <source>Save speech</source>
        <translation>保存语音</translation>
    </message>
    <message>
        <source>Saved to {0}</source>
        <translation>已保存到 {0}</translation>
    </message>
</context>
<context>
    <name>_MaskedDelegate</name>
    <message>
        <source>Value hidden</source>
        <translation>值已隐藏</translation>
    </message>
</context>
</TS>
