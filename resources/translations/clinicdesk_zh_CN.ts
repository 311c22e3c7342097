<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AboutDialog</name>
    <message>
        <source>Version</source>
        <translation>版本</translation>
    </message>
    <message>
        <source>Data folder</source>
        <translation>数据文件夹</translation>
    </message>
</context>
<context>
    <name>AbsenceDialog</name>
    <message>
        <source>Doctor absent or substituted</source>
        <translation>医生停诊或代诊</translation>
    </message>
    <message>
        <source>Record that a doctor is away (停诊), or that another doctor stands in (换人). Every booked patient affected is then listed for the desk to call.</source>
        <translation>登记医生停诊，或由其他医生代诊（换人）。登记后会列出所有受影响的已预约患者，供前台逐一致电。</translation>
    </message>
    <message>
        <source>Doctor away</source>
        <translation>停诊医生</translation>
    </message>
    <message>
        <source>Day</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>The whole day</source>
        <translation>全天</translation>
    </message>
    <message>
        <source>Substitute</source>
        <translation>代诊医生</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>e.g. ill, training, family matter</source>
        <translation>例如：生病、培训、家中有事</translation>
    </message>
    <message>
        <source>Record and list the patients</source>
        <translation>登记并列出患者</translation>
    </message>
    <message>
        <source>Nobody: the patients are moved or cancelled</source>
        <translation>无代诊医生：患者的预约需改约或取消</translation>
    </message>
    <message>
        <source>This is after {time} the day before, so it is recorded as late notice: call the patients first, they have little time to rearrange.</source>
        <translation>现在已过前一天 {time}，因此记为临时通知：请优先致电患者，他们重新安排的时间不多。</translation>
    </message>
    <message>
        <source>Choose the doctor who is away.</source>
        <translation>请选择停诊的医生。</translation>
    </message>
</context>
<context>
    <name>AbsenceWorklistDialog</name>
    <message>
        <source>Patients to contact</source>
        <translation>待联系患者</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>患者</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Selected patient</source>
        <translation>所选患者</translation>
    </message>
    <message>
        <source>Offer the patient (moves the booking):</source>
        <translation>可向患者提供（点击即改约）：</translation>
    </message>
    <message>
        <source>I checked the patient&apos;s identity (real-name booking)</source>
        <translation>我已核对患者身份（实名制预约）</translation>
    </message>
    <message>
        <source>What was said, e.g. will come next week; call back after 18:00</source>
        <translation>沟通内容，例如：下周再来；18:00 后回电</translation>
    </message>
    <message>
        <source>Reached — keeps with substitute</source>
        <translation>已联系——保留预约，由代诊医生接诊</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>The patient cancels; the note is the reason</source>
        <translation>患者取消预约；备注即为取消原因</translation>
    </message>
    <message>
        <source>Could not reach</source>
        <translation>联系不上</translation>
    </message>
    <message>
        <source>Move anyway</source>
        <translation>仍要改约</translation>
    </message>
    <message>
        <source>Reason for moving after the cutoff</source>
        <translation>截止后改约的原因</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>To contact</source>
        <translation>待联系</translation>
    </message>
    <message>
        <source>Contacted</source>
        <translation>已联系</translation>
    </message>
    <message>
        <source>Moved</source>
        <translation>已改约</translation>
    </message>
    <message>
        <source>Keeps with substitute</source>
        <translation>保留，由代诊医生接诊</translation>
    </message>
    <message>
        <source>Doctor&apos;s absence</source>
        <translation>医生停诊</translation>
    </message>
    <message>
        <source>the whole day</source>
        <translation>全天</translation>
    </message>
    <message>
        <source>{doctor} is away on {day} ({span}); {substitute} stands in</source>
        <translation>{doctor}于 {day}（{span}）停诊，由{substitute}代诊</translation>
    </message>
    <message>
        <source>{doctor} is away on {day} ({span})</source>
        <translation>{doctor}于 {day}（{span}）停诊</translation>
    </message>
    <message>
        <source>Late notice: recorded after the cutoff the day before. Call first.</source>
        <translation>临时通知：登记时间晚于前一天的截止时间。请优先致电。</translation>
    </message>
    <message>
        <source>{done} of {total} contacted</source>
        <translation>已联系 {done}/{total}</translation>
    </message>
    <message numerus="yes">
        <source>%n could not be reached</source>
        <translation>
            <numerusform>%n 人联系不上</numerusform>
        </translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <source>No booked patient is affected.</source>
        <translation>没有受影响的已预约患者。</translation>
    </message>
    <message>
        <source>Same time with {doctor} (substitute)</source>
        <translation>同一时间（{doctor}，代诊）</translation>
    </message>
    <message>
        <source>{time} with {doctor}</source>
        <translation>{time}，医生：{doctor}</translation>
    </message>
    <message>
        <source>Same time with {doctor}</source>
        <translation>同一时间（{doctor}）</translation>
    </message>
    <message>
        <source>{patient} · {phone} · {time} with {doctor} · {status}</source>
        <translation>{patient} · {phone} · {time}，医生：{doctor} · {status}</translation>
    </message>
    <message>
        <source>No free time to offer right now: keep, cancel, or book on the calendar.</source>
        <translation>目前没有可提供的空闲时段：可保留、取消，或在日程中另行预约。</translation>
    </message>
    <message>
        <source>The front desk calls the patients and moves or cancels the bookings.</source>
        <translation>由前台致电患者，并为其改约或取消预约。</translation>
    </message>
    <message>
        <source>Done: the appointment was {status}. Change it on the calendar if needed.</source>
        <translation>已处理：该预约为“{status}”。如需更改，请在日程中操作。</translation>
    </message>
    <message>
        <source>{patient}: {status}.</source>
        <translation>{patient}：状态为{status}。</translation>
    </message>
</context>
<context>
    <name>AddFollowupDialog</name>
    <message>
        <source>Add a follow-up</source>
        <translation>添加回访</translation>
    </message>
    <message>
        <source>A call or message that no plan made: it appears on the list of whoever should make it from the first day.</source>
        <translation>不属于任何回访方案的电话或消息：从第一天起就会出现在应负责人员的回访清单上。</translation>
    </message>
    <message>
        <source>Find the patient: name, phone digits…</source>
        <translation>查找患者：姓名、电话号码…</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>患者</translation>
    </message>
    <message>
        <source>What for</source>
        <translation>回访事由</translation>
    </message>
    <message>
        <source>e.g. ask about the new blood pressure tablets</source>
        <translation>例如：询问新降压药的服用情况</translation>
    </message>
    <message>
        <source>Call between</source>
        <translation>回访日期：从</translation>
    </message>
    <message>
        <source>and</source>
        <translation>至</translation>
    </message>
    <message>
        <source>How</source>
        <translation>方式</translation>
    </message>
    <message>
        <source>Who calls</source>
        <translation>回访人</translation>
    </message>
    <message>
        <source>I will make this call myself</source>
        <translation>由我本人回访</translation>
    </message>
    <message>
        <source>Choose the patient first: search and pick one.</source>
        <translation>请先选择患者：搜索后选中一位。</translation>
    </message>
</context>
<context>
    <name>AddMemberDialog</name>
    <message>
        <source>Add a member to {card}</source>
        <translation>为会员卡 {card} 添加成员</translation>
    </message>
    <message numerus="yes">
        <source>{tier}: up to %n people, the payer included.</source>
        <translation>
            <numerusform>{tier}：最多 %n 人（含付款人）。</numerusform>
        </translation>
    </message>
    <message>
        <source>Person</source>
        <translation>人员</translation>
    </message>
    <message>
        <source>Relation to the payer</source>
        <translation>与付款人关系</translation>
    </message>
    <message>
        <source>Find the person: name, phone digits…</source>
        <translation>查找人员：姓名、电话号码…</translation>
    </message>
    <message>
        <source>Find and choose the person to add.</source>
        <translation>请查找并选择要添加的人员。</translation>
    </message>
</context>
<context>
    <name>AllergySeverity</name>
    <message>
        <source>Mild</source>
        <translation>轻度</translation>
    </message>
    <message>
        <source>Moderate</source>
        <translation>中度</translation>
    </message>
    <message>
        <source>Severe</source>
        <translation>重度</translation>
    </message>
    <message>
        <source>Life-threatening</source>
        <translation>危及生命</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>未知</translation>
    </message>
</context>
<context>
    <name>App</name>
    <message>
        <source>ClinicDesk is already open with this clinic&apos;s data on this computer. Switch to that window (look in the taskbar) instead of opening it twice.</source>
        <translation>本机已打开了这家诊所的 ClinicDesk。请切换到那个窗口（可在任务栏中找到），不要重复打开。</translation>
    </message>
</context>
<context>
    <name>Appointment</name>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Online (WeChat / website)</source>
        <translation>网上（微信/网站）</translation>
    </message>
    <message>
        <source>On site</source>
        <translation>现场</translation>
    </message>
    <message>
        <source>Referral by a partner doctor</source>
        <translation>转介（乡镇医生介绍）</translation>
    </message>
    <message>
        <source>Free-clinic event</source>
        <translation>义诊</translation>
    </message>
    <message>
        <source>Booked</source>
        <translation>已预约</translation>
    </message>
    <message>
        <source>Confirmed</source>
        <translation>已确认</translation>
    </message>
    <message>
        <source>Arrived</source>
        <translation>已到诊</translation>
    </message>
    <message>
        <source>In consultation</source>
        <translation>就诊中</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>No-show</source>
        <translation>爽约</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
</context>
<context>
    <name>AppointmentDialog</name>
    <message>
        <source>Appointment</source>
        <translation>预约</translation>
    </message>
    <message>
        <source>{when} · {minutes} min · {doctor}</source>
        <translation>{when} · {minutes} 分钟 · {doctor}</translation>
    </message>
    <message>
        <source>Status: {status}</source>
        <translation>状态：{status}</translation>
    </message>
    <message>
        <source>Emergency add-on</source>
        <translation>临时加号</translation>
    </message>
    <message>
        <source>Patient confirmed</source>
        <translation>患者已确认</translation>
    </message>
    <message>
        <source>Cancel appointment</source>
        <translation>取消预约</translation>
    </message>
    <message>
        <source>Change the series…</source>
        <translation>更改系列预约…</translation>
    </message>
    <message>
        <source>Another time, length, doctor or weekdays for this and later appointments</source>
        <translation>为本次及以后的预约更改时间、时长、医生或星期</translation>
    </message>
    <message>
        <source>Why it is cancelled (needed to cancel)</source>
        <translation>取消原因（取消时必填）</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Print slip…</source>
        <translation>打印预约单…</translation>
    </message>
    <message>
        <source>First-visit information…</source>
        <translation>初诊须知…</translation>
    </message>
    <message>
        <source>Write why it is cancelled, then cancel again.</source>
        <translation>请先填写取消原因，再点击“取消预约”。</translation>
    </message>
    <message>
        <source>Cancel a repeating appointment</source>
        <translation>取消周期预约</translation>
    </message>
    <message>
        <source>This appointment is part of a series. Which appointments should be cancelled? Past appointments stay as they are.</source>
        <translation>此预约属于一组周期预约。要取消哪些预约？已过去的预约保持不变。</translation>
    </message>
    <message>
        <source>Only this one</source>
        <translation>仅此一次</translation>
    </message>
    <message>
        <source>This and the following ones</source>
        <translation>此次及之后的预约</translation>
    </message>
    <message>
        <source>All future ones</source>
        <translation>所有未来的预约</translation>
    </message>
    <message>
        <source>Keep them</source>
        <translation>不取消</translation>
    </message>
</context>
<context>
    <name>AppointmentGrid</name>
    <message>
        <source>Members</source>
        <translation>会员</translation>
    </message>
</context>
<context>
    <name>AppointmentStatsDialog</name>
    <message>
        <source>Appointment statistics</source>
        <translation>预约统计</translation>
    </message>
</context>
<context>
    <name>AppointmentStatsView</name>
    <message>
        <source>Appointment statistics</source>
        <translation>预约统计</translation>
    </message>
    <message>
        <source>Period</source>
        <translation>期间</translation>
    </message>
    <message>
        <source>This month</source>
        <translation>本月</translation>
    </message>
    <message>
        <source>Last month</source>
        <translation>上个月</translation>
    </message>
    <message>
        <source>Dates</source>
        <translation>指定日期</translation>
    </message>
    <message>
        <source>By</source>
        <translation>按</translation>
    </message>
    <message>
        <source>Day</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>医生</translation>
    </message>
    <message>
        <source>Booked by</source>
        <translation>预约渠道</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>预约类型</translation>
    </message>
    <message>
        <source>Export to Excel</source>
        <translation>导出到 Excel</translation>
    </message>
    <message>
        <source>Revisit booking rate: done visits followed by another booking with the same doctor made within 30 days</source>
        <translation>复诊预约率：已完成的就诊中，30 天内又预约了同一位医生的比例</translation>
    </message>
    <message>
        <source>Bookings count every appointment starting in the period, cancelled ones included. The arrival and no-show rates are over the appointments that have happened (arrived or no-show); those still to come are counted apart. A cancellation is late within the hours set under Settings, Appointments.</source>
        <translation>预约数包括该时段内开始的所有预约（含已取消）。到诊率和爽约率按已发生的预约（已到诊或爽约）计算；尚未到来的预约单独统计。在“设置 → 预约”规定的小时数内取消的算作临时取消。</translation>
    </message>
    <message>
        <source>Bookings</source>
        <translation>预约数</translation>
    </message>
    <message>
        <source>Arrivals</source>
        <translation>到诊数</translation>
    </message>
    <message>
        <source>Arrival rate</source>
        <translation>到诊率</translation>
    </message>
    <message>
        <source>No-shows</source>
        <translation>爽约数</translation>
    </message>
    <message>
        <source>No-show rate</source>
        <translation>爽约率</translation>
    </message>
    <message>
        <source>Cancellations</source>
        <translation>取消数</translation>
    </message>
    <message>
        <source>Late cancellations</source>
        <translation>临时取消数</translation>
    </message>
    <message>
        <source>Add-ons</source>
        <translation>临时加号数</translation>
    </message>
    <message>
        <source>Still to come</source>
        <translation>尚未到来</translation>
    </message>
    <message>
        <source>Visits done</source>
        <translation>已完成就诊</translation>
    </message>
    <message>
        <source>Rebooked within 30 days</source>
        <translation>30 天内再预约</translation>
    </message>
    <message>
        <source>Revisit booking rate</source>
        <translation>复诊预约率</translation>
    </message>
    <message>
        <source>(no type)</source>
        <translation>（未分类）</translation>
    </message>
    <message>
        <source>Total</source>
        <translation>合计</translation>
    </message>
    <message>
        <source>No appointments in this period.</source>
        <translation>此期间没有预约。</translation>
    </message>
    <message>
        <source>Period: {first} to {last}</source>
        <translation>期间：{first} 至 {last}</translation>
    </message>
    <message>
        <source>Statistics</source>
        <translation>统计</translation>
    </message>
    <message>
        <source>Excel workbook (*.xlsx)</source>
        <translation>Excel 工作簿 (*.xlsx)</translation>
    </message>
    <message>
        <source>Saved to {path}</source>
        <translation>已保存到 {path}</translation>
    </message>
</context>
<context>
    <name>AppointmentType</name>
    <message>
        <source>General consult</source>
        <translation>普通门诊</translation>
    </message>
    <message>
        <source>Specialist consult</source>
        <translation>专家门诊</translation>
    </message>
    <message>
        <source>Physical exam</source>
        <translation>体检</translation>
    </message>
    <message>
        <source>Follow-up visit</source>
        <translation>复诊</translation>
    </message>
</context>
<context>
    <name>AppointmentTypeDialog</name>
    <message>
        <source>Add an appointment type</source>
        <translation>添加预约类型</translation>
    </message>
    <message>
        <source>Change an appointment type</source>
        <translation>修改预约类型</translation>
    </message>
    <message>
        <source>The usual length is offered when booking; each booking may still be longer or shorter. Bookings already made keep their own length.</source>
        <translation>预约时会默认使用常用时长，每次预约仍可延长或缩短。已有预约的时长保持不变。</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>e.g. 中医推拿</source>
        <translation>例如：中医推拿</translation>
    </message>
    <message>
        <source>Usual length</source>
        <translation>常用时长</translation>
    </message>
    <message>
        <source> min</source>
        <translation> 分钟</translation>
    </message>
    <message>
        <source>Colour</source>
        <translation>颜色</translation>
    </message>
    <message>
        <source>Needs</source>
        <translation>所需诊室或设备</translation>
    </message>
    <message>
        <source>Counts against a membership benefit</source>
        <translation>计入会员权益</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <source>No rooms or devices yet. Add them on the Rooms and devices tab.</source>
        <translation>尚未添加诊室或设备。请在“诊室和设备”标签页中添加。</translation>
    </message>
</context>
<context>
    <name>AttachmentDialog</name>
    <message>
        <source>Add a report or file</source>
        <translation>添加报告或文件</translation>
    </message>
    <message>
        <source>Title (e.g. Blood test)</source>
        <translation>标题（例如：血液检查）</translation>
    </message>
    <message>
        <source>Kind of document</source>
        <translation>文档类型</translation>
    </message>
    <message>
        <source>The file is kept inside the encrypted clinic file; the original can be deleted afterwards.</source>
        <translation>文件将保存在诊所的加密数据中；之后可以删除原文件。</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Choose the file</source>
        <translation>选择文件</translation>
    </message>
    <message>
        <source>Reports and images (*.pdf *.jpg *.jpeg *.png *.tif *.tiff);;All files (*)</source>
        <translation>报告和图片 (*.pdf *.jpg *.jpeg *.png *.tif *.tiff);;所有文件 (*)</translation>
    </message>
</context>
<context>
    <name>AttachmentKind</name>
    <message>
        <source>Examination report</source>
        <translation>检查报告</translation>
    </message>
    <message>
        <source>Laboratory result</source>
        <translation>化验结果</translation>
    </message>
    <message>
        <source>Imaging (X-ray, ultrasound, CT)</source>
        <translation>影像检查（X 光、超声、CT）</translation>
    </message>
    <message>
        <source>ECG</source>
        <translation>心电图</translation>
    </message>
    <message>
        <source>Letter</source>
        <translation>信函</translation>
    </message>
    <message>
        <source>Referral document</source>
        <translation>转诊资料</translation>
    </message>
    <message>
        <source>Photo</source>
        <translation>照片</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>其他</translation>
    </message>
</context>
<context>
    <name>AttentionBanner</name>
    <message numerus="yes">
        <source>⚠ %n items need attention — show them</source>
        <extracomment>open ``target`` on the page ``key`` (see ``AttentionPanel.sig_open``) a new list arrived (``AttentionList``)</extracomment>
        <translation>
            <numerusform>⚠ 有 %n 项需要处理，点击查看</numerusform>
        </translation>
    </message>
    <message>
        <source>Clashes from two workstations that worked while they could not reach each other. Click to see what to do.</source>
        <translation>两台工作站在无法互相连接期间各自操作而产生的冲突。点击查看处理方法。</translation>
    </message>
</context>
<context>
    <name>AttentionPanel</name>
    <message>
        <source>Needs attention</source>
        <extracomment>open ``target`` on the page ``key`` (&quot;calendar&quot;, &quot;reception&quot;, &quot;patients&quot;)</extracomment>
        <translation>需要处理</translation>
    </message>
    <message>
        <source>Two workstations that could not reach each other made changes that clash. Settle each one as usual; the change reaches every workstation and the item leaves this list.</source>
        <translation>两台无法互相连接的工作站做出了相互冲突的修改。请按平常的方式逐项处理；处理结果会同步到每台工作站，该项也会从此列表中移除。</translation>
    </message>
    <message>
        <source>Nothing needs attention now.</source>
        <translation>目前没有需要处理的事项。</translation>
    </message>
</context>
<context>
    <name>AttentionTexts</name>
    <message>
        <source>today</source>
        <translation>今天</translation>
    </message>
    <message>
        <source>yesterday</source>
        <translation>昨天</translation>
    </message>
    <message>
        <source>tomorrow</source>
        <translation>明天</translation>
    </message>
    <message>
        <source>on {month}/{day}</source>
        <translation>{month}月{day}日</translation>
    </message>
    <message>
        <source>{doctor} has two bookings at {time} {date} (made at two desks while offline)</source>
        <translation>{doctor}{date} {time} 有两个预约（离线期间在两台工作站上分别预约）</translation>
    </message>
    <message>
        <source>A doctor</source>
        <translation>某位医生</translation>
    </message>
    <message>
        <source>{resource} is booked twice at {time} {date} (made at two desks while offline)</source>
        <translation>{resource}{date} {time} 被预约了两次（离线期间在两台工作站上分别预约）</translation>
    </message>
    <message>
        <source>A room or device</source>
        <translation>某个诊室或设备</translation>
    </message>
    <message>
        <source>A patient</source>
        <translation>某位患者</translation>
    </message>
    <message>
        <source>{patient} was checked in twice {date} for one booking</source>
        <translation>{patient}{date}凭同一个预约签到了两次</translation>
    </message>
    <message>
        <source>{patient} was checked in twice {date}</source>
        <translation>{patient}{date}签到了两次</translation>
    </message>
    <message>
        <source>Queue number {no} was given twice {date}</source>
        <translation>{date}的排队号 {no} 发出了两次</translation>
    </message>
    <message>
        <source>Record number {no} is on two patients</source>
        <translation>病历号 {no} 同时分配给了两位患者</translation>
    </message>
    <message>
        <source>{benefit} of {payer}&apos;s membership (card {card}) used {used} times of {quota} from {first} to {last} (recorded at two desks while offline)</source>
        <translation>{payer}的会员（卡号 {card}）{benefit}在 {first} 至 {last} 期间已用 {used} 次，额度 {quota} 次（两台电脑离线时各自登记）</translation>
    </message>
    <message>
        <source>Two workstations made changes that clash ({kind})</source>
        <translation>两台工作站的修改相互冲突（{kind}）</translation>
    </message>
    <message>
        <source>Call the patients if needed, then cancel or move one of the two bookings on the calendar.</source>
        <translation>如有需要请先联系患者，然后在日程中取消其中一个预约或为其改约。</translation>
    </message>
    <message>
        <source>That day is over; nothing to do unless the records are wrong.</source>
        <translation>当天已经结束；除非记录有误，否则无需处理。</translation>
    </message>
    <message>
        <source>Keep one of the two places in the queue: select the other on the board and choose “Left without being seen”.</source>
        <translation>两个候诊位置只保留一个：在看板上选中另一个，然后选择“未就诊离开”。</translation>
    </message>
    <message>
        <source>That day is over; nothing to do.</source>
        <translation>当天已经结束，无需处理。</translation>
    </message>
    <message>
        <source>Both patients hold the same number: when it is called, call them by name too.</source>
        <translation>两位患者拿到的是同一个号：叫到这个号时，请同时叫患者的姓名。</translation>
    </message>
    <message>
        <source>If both files are the same person, merge them in Patients; otherwise tell whoever looks after ClinicDesk, who will give one file a new number.</source>
        <translation>如果两份档案是同一个人，请在“患者”中合并；否则请告知负责维护 ClinicDesk 的人员，由其为其中一份档案分配新的病历号。</translation>
    </message>
    <message>
        <source>Both uses are kept. Settle the extra one with the member (charge it, or agree it), then press Seen under Membership → Reports → Allowances overdrawn.</source>
        <translation>两次使用都已保留。请与会员商定多出的一次（另行收费或双方同意），然后在“会员 → 报表 → 超额使用”中点“已阅”。</translation>
    </message>
    <message>
        <source>Tell whoever looks after ClinicDesk.</source>
        <translation>请告知负责维护 ClinicDesk 的人员。</translation>
    </message>
    <message>
        <source>Open the calendar</source>
        <translation>打开日程</translation>
    </message>
    <message>
        <source>Show on the board</source>
        <translation>在看板上显示</translation>
    </message>
    <message>
        <source>Show the two patients</source>
        <translation>查看这两位患者</translation>
    </message>
    <message>
        <source>Open the membership</source>
        <translation>打开会员资料</translation>
    </message>
</context>
<context>
    <name>BenefitsTable</name>
    <message>
        <source>Benefit</source>
        <translation>权益</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>How many</source>
        <translation>次数</translation>
    </message>
    <message>
        <source>Every</source>
        <translation>每</translation>
    </message>
    <message>
        <source>What the member gets, in your words</source>
        <translation>会员可享受的内容（自行填写）</translation>
    </message>
    <message>
        <source>Included</source>
        <translation>包含</translation>
    </message>
    <message>
        <source>Allowance</source>
        <translation>额度</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
</context>
<context>
    <name>BookingDialog</name>
    <message>
        <source>New appointment</source>
        <translation>新建预约</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>患者</translation>
    </message>
    <message>
        <source>Name, pinyin initials, phone digits or record number</source>
        <translation>姓名、拼音首字母、电话号码或病历号</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>医生</translation>
    </message>
    <message>
        <source>Purpose</source>
        <translation>预约类型</translation>
    </message>
    <message>
        <source>When</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>minutes</source>
        <translation>分钟</translation>
    </message>
    <message>
        <source>Booked by</source>
        <translation>预约渠道</translation>
    </message>
    <message>
        <source>Reason for the visit</source>
        <translation>就诊原因</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Emergency add-on (临时加号): book even if the doctor is full</source>
        <translation>临时加号：医生号源已约满时仍可预约</translation>
    </message>
    <message>
        <source>I have checked the patient&apos;s identity (real-name booking)</source>
        <translation>我已核对患者身份（实名制预约）</translation>
    </message>
    <message>
        <source>Copy to send</source>
        <translation>复制以便发送</translation>
    </message>
    <message>
        <source>Print for the patient…</source>
        <translation>打印给患者…</translation>
    </message>
    <message>
        <source>Print the slip</source>
        <translation>打印预约单</translation>
    </message>
    <message>
        <source>Print the appointment slip after booking</source>
        <translation>预约成功后打印预约单</translation>
    </message>
    <message>
        <source>Reason for booking after the cutoff</source>
        <translation>截止后预约的原因</translation>
    </message>
    <message>
        <source>Allow with a reason…</source>
        <translation>填写原因特批…</translation>
    </message>
    <message>
        <source>Why this visit is allowed past the allowance (kept in the audit log)</source>
        <translation>超出额度仍允许本次预约的原因（将记入审计日志）</translation>
    </message>
    <message>
        <source>Book</source>
        <translation>预约</translation>
    </message>
    <message>
        <source>Repeat this appointment</source>
        <translation>设为周期预约</translation>
    </message>
    <message>
        <source>Every</source>
        <translation>每</translation>
    </message>
    <message>
        <source>day(s)</source>
        <translation>天</translation>
    </message>
    <message>
        <source>week(s)</source>
        <translation>周</translation>
    </message>
    <message>
        <source>month(s)</source>
        <translation>个月</translation>
    </message>
    <message>
        <source>On</source>
        <comment>the weekdays of a weekly repeat</comment>
        <translation>于</translation>
    </message>
    <message>
        <source>Ends</source>
        <translation>结束</translation>
    </message>
    <message>
        <source>Never</source>
        <translation>不设结束日期</translation>
    </message>
    <message>
        <source>On</source>
        <comment>a series ends on a date</comment>
        <translation>于</translation>
    </message>
    <message>
        <source>After</source>
        <translation>共</translation>
    </message>
    <message>
        <source>times</source>
        <translation>次</translation>
    </message>
    <message>
        <source>On public holidays</source>
        <translation>遇法定节假日</translation>
    </message>
    <message>
        <source>Skip the day</source>
        <translation>跳过当天</translation>
    </message>
    <message>
        <source>Book and flag it</source>
        <translation>照常预约并标记</translation>
    </message>
    <message>
        <source>A series books every date or none. Notes and the add-on mark are for single appointments.</source>
        <translation>周期预约要么所有日期都预约成功，要么一个都不预约。备注和临时加号仅适用于单次预约。</translation>
    </message>
    <message numerus="yes">
        <source>Skip these %n date(s) and book the rest</source>
        <translation>
            <numerusform>跳过这 %n 个日期，预约其余日期</numerusform>
        </translation>
    </message>
    <message>
        <source>{day} is a public holiday ({name}): skipped</source>
        <translation>{day} 是法定节假日（{name}）：已跳过</translation>
    </message>
    <message>
        <source>{day} is a public holiday ({name}): booked and flagged</source>
        <translation>{day} 是法定节假日（{name}）：照常预约并标记</translation>
    </message>
    <message>
        <source>No date to book: every date is a skipped holiday.</source>
        <translation>没有可预约的日期：所有日期都是要跳过的节假日。</translation>
    </message>
    <message numerus="yes">
        <source>%n appointment(s): {dates}</source>
        <translation>
            <numerusform>共 %n 次预约：{dates}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>and %n more holiday(s)</source>
        <translation>
            <numerusform>另有 %n 个节假日</numerusform>
        </translation>
    </message>
    <message>
        <source>No end: booked up to {day} now; later dates are added as time passes.</source>
        <translation>不设结束日期：目前预约到 {day}，之后的日期会随时间推移自动补约。</translation>
    </message>
    <message>
        <source>Member: {tier} — priority booking</source>
        <translation>会员：{tier}——优先预约</translation>
    </message>
    <message>
        <source>Member: {tier}</source>
        <translation>会员：{tier}</translation>
    </message>
    <message>
        <source>(suspended)</source>
        <translation>（已暂停）</translation>
    </message>
    <message>
        <source>Home visits: {left} of {quota} left (until {last})</source>
        <translation>上门服务：剩余 {left} 次（共 {quota} 次，至 {last} 止）</translation>
    </message>
    <message>
        <source>This membership has no home-visit allowance: this home visit is not counted against an allowance</source>
        <translation>此会员没有上门服务额度：本次上门服务不计入额度</translation>
    </message>
    <message>
        <source>Not a member: this home visit is not counted against an allowance</source>
        <translation>非会员：本次上门服务不计入额度</translation>
    </message>
    <message>
        <source>Give the reason, then press Book again: the visit is counted past the allowance and the reason is kept in the audit log.</source>
        <translation>请填写原因，然后再次点击“预约”：本次将超出额度计入，原因会记入审计日志。</translation>
    </message>
    <message>
        <source>Book the time held for members anyway</source>
        <translation>占用会员预留号源，仍要预约</translation>
    </message>
    <message>
        <source>the doctor is already booked then</source>
        <translation>医生该时段已有预约</translation>
    </message>
    <message>
        <source>a room or device is taken then</source>
        <translation>该时段诊室或设备已被占用</translation>
    </message>
    <message>
        <source>past the booking cutoff</source>
        <translation>已过预约截止时间</translation>
    </message>
    <message>
        <source>the time has passed</source>
        <translation>时间已过</translation>
    </message>
    <message>
        <source>outside the doctor&apos;s working hours</source>
        <translation>不在医生出诊时间内</translation>
    </message>
    <message>
        <source>the patient has another appointment then</source>
        <translation>患者该时段已有其他预约</translation>
    </message>
    <message>
        <source>First visit — tell the patient:</source>
        <translation>初诊——请告知患者：</translation>
    </message>
    <message>
        <source>Returning patient: suggested times with the usual doctor</source>
        <translation>复诊患者：以下为常看医生的建议时间</translation>
    </message>
    <message>
        <source>(choose)</source>
        <translation>（请选择）</translation>
    </message>
    <message>
        <source>Choose the patient first: search and pick one.</source>
        <translation>请先选择患者：搜索后选中一位。</translation>
    </message>
    <message>
        <source>Choose a doctor.</source>
        <translation>请选择医生。</translation>
    </message>
    <message>
        <source>Book it although the time has passed</source>
        <translation>时间已过，仍要预约</translation>
    </message>
    <message>
        <source>Book outside the doctor&apos;s working hours</source>
        <translation>在医生出诊时间以外预约</translation>
    </message>
    <message>
        <source>Book on a day the clinic is closed</source>
        <translation>在诊所休诊日预约</translation>
    </message>
    <message>
        <source>The patient has another appointment then: book anyway</source>
        <translation>患者该时段已有其他预约：仍要预约</translation>
    </message>
    <message>
        <source>Book after the cutoff (director, with a reason)</source>
        <translation>截止后预约（限院长，需填写原因）</translation>
    </message>
</context>
<context>
    <name>CalendarPage</name>
    <message>
        <source>%n free</source>
        <translation>余 %n 个</translation>
    </message>
    <message>
        <source>, %n for members</source>
        <translation>，会员预留 %n 个</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>休诊</translation>
    </message>
    <message>
        <source>Mon</source>
        <translation>周一</translation>
    </message>
    <message>
        <source>Tue</source>
        <translation>周二</translation>
    </message>
    <message>
        <source>Wed</source>
        <translation>周三</translation>
    </message>
    <message>
        <source>Thu</source>
        <translation>周四</translation>
    </message>
    <message>
        <source>Fri</source>
        <translation>周五</translation>
    </message>
    <message>
        <source>Sat</source>
        <translation>周六</translation>
    </message>
    <message>
        <source>Sun</source>
        <translation>周日</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今天</translation>
    </message>
    <message>
        <source>Earlier (PgUp)</source>
        <translation>向前（PgUp）</translation>
    </message>
    <message>
        <source>Later (PgDown)</source>
        <translation>向后（PgDown）</translation>
    </message>
    <message>
        <source>Day</source>
        <translation>日</translation>
    </message>
    <message>
        <source>Week</source>
        <translation>周</translation>
    </message>
    <message>
        <source>Month</source>
        <translation>月</translation>
    </message>
    <message>
        <source>New appointment…</source>
        <translation>新建预约…</translation>
    </message>
    <message>
        <source>Book an appointment (Ctrl+N)</source>
        <translation>新建预约（Ctrl+N）</translation>
    </message>
    <message>
        <source>Doctor absence…</source>
        <translation>医生停诊…</translation>
    </message>
    <message>
        <source>A doctor cannot come (停诊) or another doctor stands in: list the patients to call</source>
        <translation>医生停诊或由其他医生代诊：列出需致电的患者</translation>
    </message>
    <message>
        <source>Waitlist</source>
        <translation>候补名单</translation>
    </message>
    <message>
        <source>Statistics…</source>
        <translation>统计…</translation>
    </message>
    <message>
        <source>Bookings, arrivals, no-shows and late cancellations by day, doctor, channel (A9)</source>
        <translation>按日期、医生、预约渠道统计预约、到诊、爽约和临时取消（A9）</translation>
    </message>
    <message>
        <source>{year}-{month:02d}</source>
        <translation>{year}年{month:02d}月</translation>
    </message>
    <message>
        <source>Week of {day}</source>
        <translation>{day} 起的一周</translation>
    </message>
    <message>
        <source>No doctor can be booked yet. The director adds doctors&apos; working hours under Settings → Rosters.</source>
        <translation>目前还没有可预约的医生。请院长在“设置 → 排班”中添加医生的出诊时间。</translation>
    </message>
    <message numerus="yes">
        <source>%n appointment(s)</source>
        <translation>
            <numerusform>%n 个预约</numerusform>
        </translation>
    </message>
    <message>
        <source>Only this appointment moves to another day; to change the weekdays of the series use Change the series…</source>
        <translation>只有这一次预约改到另一天；要更改系列的星期，请用“更改系列预约…”</translation>
    </message>
    <message>
        <source>Move the appointment</source>
        <translation>调整预约</translation>
    </message>
    <message>
        <source>Move {patient} to {when} with {doctor}? Check the patient&apos;s identity (real-name booking) when you tell them.</source>
        <translation>将{patient}的预约改到 {when}，由{doctor}接诊？通知患者时请核对其身份（实名制预约）。</translation>
    </message>
    <message>
        <source>Move it anyway?</source>
        <translation>仍要调整吗？</translation>
    </message>
    <message>
        <source>Please confirm</source>
        <translation>请确认</translation>
    </message>
    <message>
        <source>Not moved</source>
        <translation>预约未调整</translation>
    </message>
</context>
<context>
    <name>CallDialog</name>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Second phone</source>
        <translation>备用电话</translation>
    </message>
    <message>
        <source>WeChat</source>
        <translation>微信</translation>
    </message>
    <message>
        <source>QQ</source>
        <translation>QQ</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>电子邮件</translation>
    </message>
    <message>
        <source>Follow-up call</source>
        <translation>电话回访</translation>
    </message>
    <message>
        <source>What to say</source>
        <translation>话术</translation>
    </message>
    <message>
        <source>How to reach them (click to copy)</source>
        <translation>联系方式（点击复制）</translation>
    </message>
    <message>
        <source>From the record</source>
        <translation>病历摘要</translation>
    </message>
    <message>
        <source>Earlier attempts</source>
        <translation>之前的回访记录</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>回访结果</translation>
    </message>
    <message>
        <source>Reached</source>
        <translation>已联系上</translation>
    </message>
    <message>
        <source>No answer</source>
        <translation>无人接听</translation>
    </message>
    <message>
        <source>Wrong number</source>
        <translation>号码错误</translation>
    </message>
    <message>
        <source>Refused to talk</source>
        <translation>拒绝交谈</translation>
    </message>
    <message>
        <source>By</source>
        <translation>方式</translation>
    </message>
    <message>
        <source>Did the level 1 and 2 calls happen?</source>
        <translation>第 1、2 级回访是否已完成？</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>No</source>
        <translation>否</translation>
    </message>
    <message>
        <source>Recovery</source>
        <translation>康复情况</translation>
    </message>
    <message>
        <source>Medication</source>
        <translation>用药情况</translation>
    </message>
    <message>
        <source>Satisfaction, 1 (very dissatisfied) to 5 (very satisfied): click, or press 1-5 on the row; leave it empty if the patient did not answer.</source>
        <translation>满意度评分，1（非常不满意）至 5（非常满意）：点击评分，或在该行按 1-5 键；患者未回答则留空。</translation>
    </message>
    <message>
        <source>1 = very dissatisfied … 5 = very satisfied; 0 clears</source>
        <translation>1 = 非常不满意 … 5 = 非常满意；0 清除</translation>
    </message>
    <message>
        <source>Anything else the patient said</source>
        <translation>患者的其他反馈</translation>
    </message>
    <message>
        <source>Suggestions</source>
        <translation>意见和建议</translation>
    </message>
    <message>
        <source>Forward to department</source>
        <translation>抄告科室</translation>
    </message>
    <message>
        <source>The department gets the suggestions as an item to answer (抄告)</source>
        <translation>科室会收到这些建议，作为待回复事项（抄告）</translation>
    </message>
    <message>
        <source>The patient is complaining</source>
        <translation>患者有投诉</translation>
    </message>
    <message>
        <source>Opens a complaint with you as its owner until it is closed</source>
        <translation>创建一条投诉，由您负责跟进直至结案</translation>
    </message>
    <message>
        <source>The complaint</source>
        <translation>投诉内容</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Confirm the appointment</source>
        <translation>确认预约</translation>
    </message>
    <message>
        <source>Send the follow-up advice</source>
        <translation>发送复诊建议</translation>
    </message>
    <message>
        <source>Queues the “follow-up advice” message for the patient in the outbox</source>
        <translation>将“复诊建议”消息加入该患者的待发送队列</translation>
    </message>
    <message>
        <source>Print the call record…</source>
        <translation>打印回访记录…</translation>
    </message>
    <message>
        <source>The follow-up form filled from this call</source>
        <translation>根据本次回访内容填写的回访表</translation>
    </message>
    <message>
        <source>Save the call</source>
        <translation>保存回访</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message numerus="yes">
        <source>%n year(s)</source>
        <translation>
            <numerusform>%n 岁</numerusform>
        </translation>
    </message>
    <message>
        <source>Record no. {no}</source>
        <translation>病历号 {no}</translation>
    </message>
    <message>
        <source>Doctor: {name}</source>
        <translation>医生：{name}</translation>
    </message>
    <message>
        <source>Department: {name}</source>
        <translation>科室：{name}</translation>
    </message>
    <message>
        <source>Appointment: {time}</source>
        <translation>预约：{time}</translation>
    </message>
    <message>
        <source>Address: {address}</source>
        <translation>地址：{address}</translation>
    </message>
    <message>
        <source>Due {first} to {last}</source>
        <translation>应于 {first} 至 {last} 回访</translation>
    </message>
    <message>
        <source>The clinical summary is not shown for your role.</source>
        <translation>您的角色无权查看病历摘要。</translation>
    </message>
    <message>
        <source>Nothing recorded yet.</source>
        <translation>暂无记录。</translation>
    </message>
    <message>
        <source>This patient has died. Do not call; close the task.</source>
        <translation>该患者已去世。请勿致电，并关闭此任务。</translation>
    </message>
    <message>
        <source>This patient asked not to be called. Do not call; close the task.</source>
        <translation>该患者要求不接收电话。请勿致电，并关闭此任务。</translation>
    </message>
    <message>
        <source>the doctor</source>
        <translation>医生</translation>
    </message>
    <message>
        <source>Hello, is this {who}? This is {me} from {clinic}.</source>
        <translation>您好，请问是{who}吗？我是{clinic}的{me}。</translation>
    </message>
    <message>
        <source>This follow-up is a {channel} to {who}: the recovery advice and a reminder to come back if it does not get better.</source>
        <translation>本次回访以{channel}的方式发给{who}：内容为康复建议，并提醒如未好转请回来复诊。</translation>
    </message>
    <message>
        <source>Queue it with “Send the follow-up advice”, then save the follow-up as reached. If there is no way to send it, call instead.</source>
        <translation>请点击“发送复诊建议”将其加入待发送队列，然后将回访保存为“已联系上”。如无法发送，请改为电话回访。</translation>
    </message>
    <message>
        <source>We are calling to confirm your appointment with {doctor} at {time}. Will you be able to come?</source>
        <translation>我们打电话来确认您 {time} 在{doctor}处的预约。请问您能按时来吗？</translation>
    </message>
    <message>
        <source>Yes: tick “Confirm the appointment”. No: offer another time, and note what the patient said.</source>
        <translation>能来：勾选“确认预约”。不能来：为患者另约时间，并记下患者的说法。</translation>
    </message>
    <message>
        <source>You had an appointment with {doctor} at {time} and we missed you. We hope all is well. Would you like to book another time?</source>
        <translation>您原本预约了 {time} 在{doctor}处就诊，但没有见到您。希望您一切都好。需要为您重新预约吗？</translation>
    </message>
    <message>
        <source>Note the reason the patient gives.</source>
        <translation>记下患者给出的原因。</translation>
    </message>
    <message>
        <source>We are calling about: {what}</source>
        <translation>我们来电是关于：{what}</translation>
    </message>
    <message>
        <source>Thank you for visiting us recently. To improve our service we are asking a few of our patients about their visit. It takes about three minutes; may I ask you a few questions?</source>
        <translation>感谢您近期来我们诊所就诊。为了改进服务，我们正在请部分患者谈谈就诊感受，大约需要三分钟，可以请教您几个问题吗？</translation>
    </message>
    <message>
        <source>Read the questions on the right one by one; for each, the patient gives a score from 1 (very dissatisfied) to 5 (very satisfied). Write down anything else they say.</source>
        <translation>逐条读出右侧的问题，请患者为每一项打分：1（很不满意）到 5（很满意）。患者的其他意见请如实记下。</translation>
    </message>
    <message>
        <source>Thank you very much, {who}, for your time and your opinion. We wish you good health.</source>
        <translation>非常感谢{who}抽出时间给我们提意见，祝您身体健康！</translation>
    </message>
    <message>
        <source>We are calling to see how you are after your visit with {doctor}. Do you have a few minutes?</source>
        <translation>我们打电话来问问您在{doctor}处就诊后恢复得怎么样。请问您现在方便说几分钟吗？</translation>
    </message>
    <message>
        <source>How are you feeling now?</source>
        <translation>您现在感觉怎么样？</translation>
    </message>
    <message>
        <source>Are you taking your medicine as the doctor advised?</source>
        <translation>您有没有按医生的嘱咐服药？</translation>
    </message>
    <message>
        <source>On the day you went home, did a nurse call you? And did {doctor} call you in the two weeks after?</source>
        <translation>您出院当天，护士有没有给您打电话？出院后两周内，{doctor}有没有给您打过电话？</translation>
    </message>
    <message>
        <source>On a scale of 1 to 5, how satisfied are you with your visit? (the questions on the right)</source>
        <translation>按 1 到 5 分，您对这次就诊的满意程度如何？（问题见右侧）</translation>
    </message>
    <message>
        <source>Is there anything we could do better?</source>
        <translation>您觉得我们还有哪些地方可以做得更好？</translation>
    </message>
    <message>
        <source>Thank you, {who}. Call us any time if anything changes.</source>
        <translation>谢谢您，{who}。如有任何变化，请随时给我们打电话。</translation>
    </message>
    <message>
        <source>Queued to {address}. Save the follow-up to finish it.</source>
        <translation>已加入待发送队列，发往 {address}。请保存回访以完成此任务。</translation>
    </message>
    <message>
        <source>How is the wound healing? Any fever, redness or pain?</source>
        <translation>伤口愈合得怎么样？有没有发热、红肿或疼痛？</translation>
    </message>
    <message>
        <source>Any bleeding, pain or fever since the procedure?</source>
        <translation>术后有没有出血、疼痛或发热？</translation>
    </message>
    <message>
        <source>Are your readings (blood pressure, blood sugar) under control?</source>
        <translation>您的指标（血压、血糖）控制得好吗？</translation>
    </message>
    <message>
        <source>Have you arranged the further check the report recommended?</source>
        <translation>报告建议的进一步检查，您安排了吗？</translation>
    </message>
    <message>
        <source>Have the fever and the cough gone?</source>
        <translation>发热和咳嗽好了吗？</translation>
    </message>
    <message>
        <source>Copy to the clipboard</source>
        <translation>复制到剪贴板</translation>
    </message>
    <message>
        <source>No phone or other contact recorded.</source>
        <translation>未登记电话或其他联系方式。</translation>
    </message>
    <message>
        <source>Copied {value} to the clipboard.</source>
        <translation>已将 {value} 复制到剪贴板。</translation>
    </message>
    <message>
        <source>Level {level} ({who}): {state}</source>
        <translation>第 {level} 级（{who}）：{state}</translation>
    </message>
    <message>
        <source>None: this is the first.</source>
        <translation>无：这是第一次回访。</translation>
    </message>
    <message>
        <source>Choose the outcome of the call first.</source>
        <translation>请先选择回访结果。</translation>
    </message>
    <message>
        <source>Write what the patient complains about, or untick the complaint.</source>
        <translation>请填写患者投诉的内容，或取消勾选“患者有投诉”。</translation>
    </message>
    <message>
        <source>Choose or type the department the suggestions go to.</source>
        <translation>请选择或输入接收建议的科室。</translation>
    </message>
    <message>
        <source>Write the suggestions to forward, or untick the forwarding.</source>
        <translation>请填写要抄告的建议，或取消勾选“抄告科室”。</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>已保存。</translation>
    </message>
    <message>
        <source>Saved. No answer: the call comes back after {time}.</source>
        <translation>已保存。无人接听：此回访将在 {time} 后重新出现。</translation>
    </message>
    <message>
        <source>Saved. The task is closed: {reason}.</source>
        <translation>已保存。任务已关闭：{reason}。</translation>
    </message>
    <message>
        <source>Saved. This call is done.</source>
        <translation>已保存。此次回访已完成。</translation>
    </message>
    <message>
        <source>The suggestions were forwarded to {department}.</source>
        <translation>建议已抄告{department}。</translation>
    </message>
    <message>
        <source>A complaint was opened; you own it until it is closed.</source>
        <translation>已创建一条投诉；在结案之前由您负责。</translation>
    </message>
</context>
<context>
    <name>CampaignDialog</name>
    <message>
        <source>Health reminders</source>
        <translation>健康提醒</translation>
    </message>
    <message>
        <source>Send a seasonal tip or a reminder to a group of patients. Each gets it on their own channel (SMS, WeChat or e-mail), addressed politely; patients who opted out of messages are left out. Never name a diagnosis or a medicine in the text.</source>
        <translation>向一组患者发送季节性健康提示或提醒。每位患者通过各自的渠道（短信、微信或电子邮件）收到，并以礼貌的称呼开头；已拒收消息的患者不会收到。正文中切勿提及诊断或药品。</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>e.g. Flu season 2026</source>
        <translation>例如：2026 年流感季提醒</translation>
    </message>
    <message>
        <source>Who gets it</source>
        <translation>发送对象</translation>
    </message>
    <message>
        <source>Condition contains</source>
        <translation>慢病名称包含</translation>
    </message>
    <message>
        <source>e.g. 高血压, or empty for everyone</source>
        <translation>例如：高血压；留空则为全部患者</translation>
    </message>
    <message>
        <source>Age</source>
        <translation>年龄</translation>
    </message>
    <message>
        <source>to</source>
        <translation>至</translation>
    </message>
    <message>
        <source>any</source>
        <translation>不限</translation>
    </message>
    <message>
        <source>Sex</source>
        <translation>性别</translation>
    </message>
    <message>
        <source>Anyone</source>
        <translation>不限</translation>
    </message>
    <message>
        <source>Women</source>
        <translation>女</translation>
    </message>
    <message>
        <source>Men</source>
        <translation>男</translation>
    </message>
    <message>
        <source>Visited since</source>
        <translation>就诊时间</translation>
    </message>
    <message>
        <source>only patients seen since</source>
        <translation>仅限此日期以来就诊过的患者</translation>
    </message>
    <message>
        <source>Kind of visit</source>
        <translation>就诊类别</translation>
    </message>
    <message>
        <source>Any</source>
        <translation>不限</translation>
    </message>
    <message>
        <source>The message</source>
        <translation>消息内容</translation>
    </message>
    <message>
        <source>Subject (e-mail)</source>
        <translation>主题（电子邮件）</translation>
    </message>
    <message>
        <source>Past health reminders</source>
        <translation>以往的健康提醒</translation>
    </message>
    <message>
        <source>Started</source>
        <translation>发起时间</translation>
    </message>
    <message>
        <source>By</source>
        <translation>发起人</translation>
    </message>
    <message>
        <source>Queued</source>
        <translation>已排队</translation>
    </message>
    <message>
        <source>Skipped</source>
        <translation>未发送</translation>
    </message>
    <message>
        <source>Messages now</source>
        <translation>消息现状</translation>
    </message>
    <message>
        <source>Start…</source>
        <translation>发起…</translation>
    </message>
    <message>
        <source>{n} {reason}</source>
        <translation>{reason} {n} 人</translation>
    </message>
    <message>
        <source>; </source>
        <translation>；</translation>
    </message>
    <message>
        <source>{n} {state}</source>
        <translation>{state} {n} 条</translation>
    </message>
    <message numerus="yes">
        <source>%n patient(s) will get it.</source>
        <translation>
            <numerusform>将有 %n 位患者收到。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>{reach}; %n skipped ({why}).</source>
        <translation>
            <numerusform>{reach}；%n 人不发送（{why}）。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n patient(s) will get it</source>
        <translation>
            <numerusform>将有 %n 位患者收到</numerusform>
        </translation>
    </message>
    <message>
        <source>Counting the patients…</source>
        <translation>正在统计患者人数…</translation>
    </message>
    <message>
        <source>Ms Zhang reads: {text}</source>
        <translation>张女士将看到：{text}</translation>
    </message>
    <message>
        <source>Start the health reminder</source>
        <translation>发起健康提醒</translation>
    </message>
    <message numerus="yes">
        <source>Queue “{name}” for %n patient(s)? E-mails go with the next sending; SMS and WeChat messages with the next batch export.</source>
        <translation>
            <numerusform>要为 %n 位患者排队发送“{name}”吗？电子邮件将在下次发送时发出；短信和微信消息将在下次导出批量文件时发出。</numerusform>
        </translation>
    </message>
    <message>
        <source>Queuing the messages…</source>
        <translation>正在排队消息…</translation>
    </message>
    <message numerus="yes">
        <source>Queued for %n patient(s).</source>
        <translation>
            <numerusform>已为 %n 位患者排队。</numerusform>
        </translation>
    </message>
    <message>
        <source>Not sent to: {who}.</source>
        <translation>未发送：{who}。</translation>
    </message>
</context>
<context>
    <name>CandidatesBox</name>
    <message>
        <source>Patient</source>
        <translation>患者</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Wants</source>
        <translation>需求</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>优先级</translation>
    </message>
    <message>
        <source>Waiting since</source>
        <translation>候补开始时间</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Hide</source>
        <translation>隐藏</translation>
    </message>
    <message>
        <source>{time} with {doctor} ({minutes} min)</source>
        <translation>{time}，{doctor}（{minutes} 分钟）</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>候补中</translation>
    </message>
    <message>
        <source>Offered</source>
        <translation>已通知</translation>
    </message>
    <message>
        <source>Booked</source>
        <translation>已预约</translation>
    </message>
    <message>
        <source>Removed</source>
        <translation>已移除</translation>
    </message>
    <message>
        <source>Freed: {slot}. Who on the waitlist could take it:</source>
        <translation>空出时段：{slot}。候补名单中可安排的患者：</translation>
    </message>
    <message>
        <source>Freed: {slot}. Nobody on the waitlist can take it.</source>
        <translation>空出时段：{slot}。候补名单中没有可安排的患者。</translation>
    </message>
    <message>
        <source>Offer</source>
        <translation>标记已通知</translation>
    </message>
    <message>
        <source>You offered the slot to this patient (by phone or message)</source>
        <translation>您已（通过电话或短信）将此时段告知该患者</translation>
    </message>
    <message>
        <source>Book…</source>
        <translation>预约…</translation>
    </message>
    <message>
        <source>Declined</source>
        <translation>患者拒绝</translation>
    </message>
    <message>
        <source>The patient said no; they keep waiting</source>
        <translation>患者不接受此时段，继续候补</translation>
    </message>
    <message>
        <source>offered {slot}</source>
        <translation>已向患者提供时段 {slot}</translation>
    </message>
</context>
<context>
    <name>CareTeamDialog</name>
    <message>
        <source>Care team of {card}</source>
        <translation>会员卡 {card} 的健康管家团队</translation>
    </message>
    <message>
        <source>The members&apos; named care team: choose a staff member, or type the name and phone of someone outside the clinic.</source>
        <translation>为会员指定专属健康管家团队：选择本诊所员工，或填写诊所外人员的姓名和电话。</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>Who</source>
        <translation>人员</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Add a person</source>
        <translation>添加人员</translation>
    </message>
    <message>
        <source>(nobody yet)</source>
        <translation>（暂未指定）</translation>
    </message>
    <message>
        <source>Someone outside the clinic</source>
        <translation>诊所外人员</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
</context>
<context>
    <name>ChangePassphraseDialog</name>
    <message>
        <source>Change the clinic passphrase</source>
        <translation>更改诊所口令</translation>
    </message>
    <message>
        <source>The passphrase unlocks the clinic&apos;s encrypted data. Change it if someone who knew it should no longer have it. Backups made before today still open with the old passphrase (or the recovery key).</source>
        <translation>诊所口令用于解锁诊所的加密数据。如果知道口令的人不应再掌握它，请更改口令。今天之前制作的备份仍需使用旧口令（或恢复密钥）打开。</translation>
    </message>
    <message>
        <source>Current passphrase</source>
        <translation>当前口令</translation>
    </message>
    <message>
        <source>New passphrase</source>
        <translation>新口令</translation>
    </message>
    <message>
        <source>New passphrase again</source>
        <translation>再次输入新口令</translation>
    </message>
    <message>
        <source>Type the current passphrase.</source>
        <translation>请输入当前口令。</translation>
    </message>
    <message>
        <source>The two new passphrases are not the same. Type the same passphrase twice.</source>
        <translation>两次输入的新口令不一致。请输入两次相同的口令。</translation>
    </message>
    <message>
        <source>Changing the passphrase…</source>
        <translation>正在更改口令…</translation>
    </message>
</context>
<context>
    <name>ChangePasswordDialog</name>
    <message>
        <source>Change your password</source>
        <translation>修改您的密码</translation>
    </message>
    <message>
        <source>Choose your own password before you start. Use at least 8 characters; a short sentence is easy to remember and hard to guess.</source>
        <translation>开始使用前，请设置您自己的密码。密码至少 8 个字符；用一句短句作为密码，既好记又难猜。</translation>
    </message>
    <message>
        <source>Type your current password, then the new one twice.</source>
        <translation>请输入当前密码，然后输入两次新密码。</translation>
    </message>
    <message>
        <source>Current password</source>
        <translation>当前密码</translation>
    </message>
    <message>
        <source>New password</source>
        <translation>新密码</translation>
    </message>
    <message>
        <source>New password again</source>
        <translation>再次输入新密码</translation>
    </message>
    <message>
        <source>The two new passwords are not the same.</source>
        <translation>两次输入的新密码不一致。</translation>
    </message>
</context>
<context>
    <name>ChangeTierDialog</name>
    <message>
        <source>Change tier of {card}</source>
        <translation>变更会员卡 {card} 的等级</translation>
    </message>
    <message>
        <source>Now {tier}, {first} to {last}. Choose the new tier.</source>
        <translation>当前为{tier}，{first} 至 {last}。请选择新等级。</translation>
    </message>
    <message>
        <source>New tier</source>
        <translation>新等级</translation>
    </message>
    <message>
        <source>What it costs</source>
        <translation>费用</translation>
    </message>
    <message>
        <source>Payment</source>
        <translation>付款</translation>
    </message>
    <message>
        <source>There is no other tier to change to.</source>
        <translation>没有其他可变更的等级。</translation>
    </message>
    <message>
        <source>Working it out…</source>
        <translation>正在计算…</translation>
    </message>
    <message>
        <source>The member pays {sum}.</source>
        <translation>会员需补交 {sum}。</translation>
    </message>
    <message>
        <source>The clinic refunds {sum}.</source>
        <translation>诊所退还 {sum}。</translation>
    </message>
    <message>
        <source>Nothing to pay or refund.</source>
        <translation>无需补交或退款。</translation>
    </message>
    <message>
        <source>Credit for the old tier</source>
        <translation>原等级折抵</translation>
    </message>
    <message>
        <source>Charge for the new tier</source>
        <translation>新等级费用</translation>
    </message>
    <message>
        <source>New term</source>
        <translation>新有效期</translation>
    </message>
    <message>
        <source>Choose the new tier.</source>
        <translation>请选择新等级。</translation>
    </message>
</context>
<context>
    <name>CheckInDialog</name>
    <message>
        <source>Check in</source>
        <translation>签到</translation>
    </message>
    <message>
        <source>Identity checked (real-name): the ID or the patient&apos;s card matches</source>
        <translation>已核对身份（实名制）：证件或就诊卡与患者本人相符</translation>
    </message>
    <message>
        <source>Allergies and current medication (ask the patient)</source>
        <translation>过敏史和当前用药（请询问患者）</translation>
    </message>
    <message>
        <source>Confirmed with the patient</source>
        <translation>已与患者确认</translation>
    </message>
    <message>
        <source>Change…</source>
        <translation>修改…</translation>
    </message>
    <message>
        <source>Open the patient file: allergies, medicines, the ID document</source>
        <translation>打开患者档案：过敏、用药、身份证件</translation>
    </message>
    <message>
        <source>Vital signs (leave empty what was not measured)</source>
        <translation>生命体征（未测量的项目请留空）</translation>
    </message>
    <message>
        <source>Arrived at</source>
        <translation>到达时间</translation>
    </message>
    <message>
        <source>When the patient came to the counter; change it if they had to wait</source>
        <translation>患者来到前台的时间；如果患者排队等候过，请修改</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <source>booked for {time}</source>
        <translation>预约时间 {time}</translation>
    </message>
    <message>
        <source>No ID document is on file yet: ask for it and add it with Change… (real-name registration).</source>
        <translation>档案中还没有身份证件：请向患者索要，并通过“修改…”添加（实名登记）。</translation>
    </message>
    <message>
        <source>Already in today&apos;s queue with number {no}.</source>
        <translation>今天已在候诊队列中，排队号为 {no}。</translation>
    </message>
    <message>
        <source>This appointment is not for today.</source>
        <translation>此预约不是今天的。</translation>
    </message>
    <message>
        <source>Ask the patient about allergies and medicines taken recently; the nurse or the doctor checks them against the file.</source>
        <translation>请询问患者有无过敏及近期用药；由护士或医生对照档案核对。</translation>
    </message>
    <message>
        <source>Allergies:</source>
        <translation>过敏史：</translation>
    </message>
    <message>
        <source>Allergies: none recorded. Ask the patient.</source>
        <translation>过敏史：暂无记录。请询问患者。</translation>
    </message>
    <message>
        <source>Current medication:</source>
        <translation>当前用药：</translation>
    </message>
    <message>
        <source>Current medication: none recorded. Ask the patient.</source>
        <translation>当前用药：暂无记录。请询问患者。</translation>
    </message>
    <message>
        <source>Check the patient&apos;s identity first (real-name check-in), then tick the box.</source>
        <translation>请先核对患者身份（实名签到），然后勾选此项。</translation>
    </message>
    <message>
        <source>Checked in. Please take a seat; {doctor} will call number {no}.</source>
        <translation>签到成功。请坐下候诊，{doctor}会叫 {no} 号。</translation>
    </message>
    <message>
        <source>Checked in. Please take a seat; the doctor will call number {no}.</source>
        <translation>签到成功。请坐下候诊，医生会叫 {no} 号。</translation>
    </message>
    <message>
        <source>No. {no}</source>
        <translation>{no} 号</translation>
    </message>
    <message>
        <source>Already checked in today: queue number {no}.</source>
        <translation>今天已签到：排队号 {no}。</translation>
    </message>
    <message>
        <source>Unusual readings</source>
        <translation>测量值异常</translation>
    </message>
    <message>
        <source>Record them anyway?</source>
        <translation>仍要记录吗？</translation>
    </message>
    <message>
        <source>Another day&apos;s appointment</source>
        <translation>非今日预约</translation>
    </message>
    <message>
        <source>Not checked in. Book the patient for today, or queue them as a walk-in.</source>
        <translation>未签到。请为患者预约今天的号，或按现场挂号排队。</translation>
    </message>
</context>
<context>
    <name>ChecklistEditor</name>
    <message>
        <source>Role</source>
        <translation>岗位</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Up</source>
        <translation>上移</translation>
    </message>
    <message>
        <source>Down</source>
        <translation>下移</translation>
    </message>
    <message>
        <source>Save the checklist</source>
        <translation>保存自查表</translation>
    </message>
    <message>
        <source>Double-click an item to change its words</source>
        <translation>双击条目可修改文字</translation>
    </message>
    <message>
        <source>A checklist has at most {n} items.</source>
        <translation>自查表最多 {n} 项。</translation>
    </message>
    <message>
        <source>New item</source>
        <translation>新条目</translation>
    </message>
    <message>
        <source>Saved. The new list applies from now on.</source>
        <translation>已保存，新自查表即日起生效。</translation>
    </message>
</context>
<context>
    <name>ClinicPage</name>
    <message>
        <source>The name was cut at {n} characters: check its end.</source>
        <translation>名称超过 {n} 个字符，已被截断，请检查结尾部分。</translation>
    </message>
    <message>
        <source>Choose a time zone from the list, such as Asia/Shanghai.</source>
        <translation>请从列表中选择时区，例如 Asia/Shanghai。</translation>
    </message>
    <message>
        <source>Your clinic</source>
        <translation>您的诊所</translation>
    </message>
    <message>
        <source>The clinic&apos;s name is printed on receipts, cards and the recovery kit. The address and phone can be filled in later in Settings.</source>
        <translation>诊所名称会打印在收据、卡片和恢复密钥单上。地址和电话可以稍后在“设置”中填写。</translation>
    </message>
    <message>
        <source>Clinic name</source>
        <translation>诊所名称</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Time zone</source>
        <translation>时区</translation>
    </message>
    <message>
        <source>e.g. 仁和诊所</source>
        <translation>例如 仁和诊所</translation>
    </message>
</context>
<context>
    <name>ClinicSettingsTab</name>
    <message>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>No</source>
        <translation>否</translation>
    </message>
    <message>
        <source>(empty)</source>
        <translation>（空）</translation>
    </message>
    <message>
        <source>Default: {value}</source>
        <translation>默认值：{value}</translation>
    </message>
    <message>
        <source>spec {id}</source>
        <translation>规范 {id}</translation>
    </message>
    <message>
        <source>Your role can see these settings but not change them. Ask the clinic director if something should change.</source>
        <translation>您的角色可以查看这些设置，但不能修改。如需修改，请联系院长。</translation>
    </message>
    <message>
        <source>Revert</source>
        <translation>撤销更改</translation>
    </message>
    <message>
        <source>Undo the changes not saved yet</source>
        <translation>撤销尚未保存的更改</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Save every changed setting</source>
        <translation>保存所有已更改的设置</translation>
    </message>
    <message>
        <source>Standard values filled in for {group}. Press Save to keep them.</source>
        <translation>已为“{group}”填入标准值。请按“保存”使其生效。</translation>
    </message>
    <message>
        <source>{label}: type a time zone name such as Asia/Shanghai.</source>
        <translation>{label}：请输入时区名称，例如 Asia/Shanghai。</translation>
    </message>
    <message>
        <source>“{first}” must be earlier than “{last}”.</source>
        <translation>“{first}”必须早于“{last}”。</translation>
    </message>
    <message>
        <source>There are no changes to save.</source>
        <translation>没有需要保存的更改。</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
    <message>
        <source>Settings saved.</source>
        <translation>设置已保存。</translation>
    </message>
    <message>
        <source>Settings saved, but this installation has no translation for {language}; the screens stay as they were. Reinstall ClinicDesk to restore it.</source>
        <translation>设置已保存，但当前安装中没有{language}的翻译，界面将保持原样。请重新安装 ClinicDesk 以恢复翻译。</translation>
    </message>
</context>
<context>
    <name>CloseTaskDialog</name>
    <message>
        <source>Close the task</source>
        <translation>关闭任务</translation>
    </message>
    <message>
        <source>{patient}: {what}. The task leaves the list; it stays in the patient&apos;s history with the reason. If the patient died or wants no more calls, record that in the patient file instead: it ends all their calls and messages.</source>
        <translation>{patient}：{what}。此任务将从清单中移除，但会连同关闭原因保留在患者的历史记录中。如果患者已去世或不想再接到电话，请改在患者档案中登记：这样会终止对其所有的电话和消息。</translation>
    </message>
    <message>
        <source>Why</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
</context>
<context>
    <name>ClosuresPanel</name>
    <message>
        <source>Year</source>
        <translation>年份</translation>
    </message>
    <message>
        <source>Clinic closed</source>
        <translation>诊所休诊日</translation>
    </message>
    <message>
        <source>Days the clinic is closed beyond public holidays, such as staff training or renovation. Booking on them asks for confirmation.</source>
        <translation>法定节假日以外的诊所休诊日，例如员工培训或装修。在这些日期预约时需要确认。</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Day</source>
        <translation>星期</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>添加…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Public holidays</source>
        <translation>法定节假日</translation>
    </message>
    <message>
        <source>Holiday</source>
        <translation>节假日</translation>
    </message>
    <message>
        <source>mainland China</source>
        <translation>中国内地</translation>
    </message>
    <message>
        <source>Hong Kong</source>
        <translation>香港</translation>
    </message>
    <message>
        <source>Taiwan</source>
        <translation>台湾</translation>
    </message>
    <message>
        <source>none (weekends only)</source>
        <translation>不使用（仅周末）</translation>
    </message>
    <message>
        <source>For reference: the public holidays of {calendar} in {year}. The calendar marks them as closed. Choose the holiday calendar in Clinic settings.</source>
        <translation>供参考：{year} 年的法定节假日（{calendar}）。日程中会将这些日子标为休诊。节假日日历请在“诊所设置”中选择。</translation>
    </message>
    <message>
        <source>Clinic closed on a day</source>
        <translation>添加休诊日</translation>
    </message>
    <message>
        <source>Appointments already booked that day stay; the calendar shows the day as closed and booking on it asks first.</source>
        <translation>当天已有的预约保持不变；日程会将当天显示为休诊，在当天预约时需先确认。</translation>
    </message>
    <message>
        <source>Closure added.</source>
        <translation>已添加休诊日。</translation>
    </message>
    <message>
        <source>Choose a closure in the list first.</source>
        <translation>请先在列表中选择一个休诊日。</translation>
    </message>
    <message>
        <source>Closure removed.</source>
        <translation>已删除休诊日。</translation>
    </message>
</context>
<context>
    <name>ColorField</name>
    <message>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
</context>
<context>
    <name>Complaint</name>
    <message>
        <source>In person</source>
        <translation>当面</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Letter</source>
        <translation>信件</translation>
    </message>
    <message>
        <source>Website</source>
        <translation>网站</translation>
    </message>
    <message>
        <source>Suggestion box</source>
        <translation>意见箱</translation>
    </message>
    <message>
        <source>Follow-up call</source>
        <translation>电话回访</translation>
    </message>
    <message>
        <source>Normal</source>
        <translation>一般</translation>
    </message>
    <message>
        <source>Serious</source>
        <translation>严重</translation>
    </message>
    <message>
        <source>Simple issue</source>
        <translation>简单问题</translation>
    </message>
    <message>
        <source>Complex dispute</source>
        <translation>复杂纠纷</translation>
    </message>
    <message>
        <source>Text message</source>
        <translation>短信</translation>
    </message>
    <message>
        <source>WeChat</source>
        <translation>微信</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>电子邮件</translation>
    </message>
</context>
<context>
    <name>ComplaintDialog</name>
    <message>
        <source>Complaint</source>
        <extracomment>the step was saved: its ``Written`` (emitted before the changes are broadcast)</extracomment>
        <translation>投诉</translation>
    </message>
    <message>
        <source>Complainant</source>
        <translation>投诉人</translation>
    </message>
    <message>
        <source>Contact</source>
        <translation>联系方式</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>患者</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>科室</translation>
    </message>
    <message>
        <source>Staff concerned</source>
        <translation>涉及员工</translation>
    </message>
    <message>
        <source>The complaint</source>
        <translation>投诉内容</translation>
    </message>
    <message>
        <source>Answer and solution</source>
        <translation>答复与解决方案</translation>
    </message>
    <message>
        <source>Rectification</source>
        <translation>整改</translation>
    </message>
    <message>
        <source>Reply to the complainant</source>
        <translation>回复投诉人</translation>
    </message>
    <message>
        <source>Accept</source>
        <translation>受理</translation>
    </message>
    <message>
        <source>You take the complaint on</source>
        <translation>由您受理此投诉</translation>
    </message>
    <message>
        <source>Record contact…</source>
        <translation>记录联系…</translation>
    </message>
    <message>
        <source>The first contact with the complainant</source>
        <translation>与投诉人的首次联系</translation>
    </message>
    <message>
        <source>Answer…</source>
        <translation>答复…</translation>
    </message>
    <message>
        <source>What the clinic answers</source>
        <translation>诊所的答复</translation>
    </message>
    <message>
        <source>Propose solution…</source>
        <translation>提出解决方案…</translation>
    </message>
    <message>
        <source>The solution offered</source>
        <translation>提出的解决方案</translation>
    </message>
    <message>
        <source>Set rectification…</source>
        <translation>设定整改…</translation>
    </message>
    <message>
        <source>What is to change, who sees to it, by when</source>
        <translation>改什么、谁负责、何时完成</translation>
    </message>
    <message>
        <source>Rectified…</source>
        <translation>整改完成…</translation>
    </message>
    <message>
        <source>The change has been made</source>
        <translation>整改已落实</translation>
    </message>
    <message>
        <source>Reply to the complainant…</source>
        <translation>回复投诉人…</translation>
    </message>
    <message>
        <source>When and how the complainant was told</source>
        <translation>何时以何种方式告知投诉人</translation>
    </message>
    <message>
        <source>Close…</source>
        <translation>结案…</translation>
    </message>
    <message>
        <source>Close the complaint: the complainant must have had the reply</source>
        <translation>结案：须已回复投诉人</translation>
    </message>
    <message>
        <source>Reopen…</source>
        <translation>重新打开…</translation>
    </message>
    <message>
        <source>Open the closed complaint again, with a reason</source>
        <translation>重新打开已结案的投诉，须说明原因</translation>
    </message>
    <message>
        <source>Hand over…</source>
        <translation>移交…</translation>
    </message>
    <message>
        <source>Give the complaint to a colleague</source>
        <translation>把投诉移交给同事</translation>
    </message>
    <message>
        <source>Add to training library…</source>
        <translation>加入培训案例库…</translation>
    </message>
    <message>
        <source>An anonymised case for everyone to learn from</source>
        <translation>匿名案例，供全员学习</translation>
    </message>
    <message>
        <source>Root cause (5 Why)…</source>
        <translation>根因分析（5 Why）…</translation>
    </message>
    <message>
        <source>Ask why, five times</source>
        <translation>连问五个为什么</translation>
    </message>
    <message>
        <source>Add note…</source>
        <translation>添加备注…</translation>
    </message>
    <message>
        <source>A note in the history</source>
        <translation>在处理记录中加一条备注</translation>
    </message>
    <message>
        <source>History</source>
        <translation>处理记录</translation>
    </message>
    <message>
        <source>When</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>What</source>
        <translation>事项</translation>
    </message>
    <message>
        <source>By</source>
        <translation>经办人</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <source>Complaint {number}</source>
        <translation>投诉 {number}</translation>
    </message>
    <message>
        <source>{number} · {stage} · owner {owner}</source>
        <translation>{number} · {stage} · 负责人 {owner}</translation>
    </message>
    <message>
        <source>Received {time}</source>
        <translation>{time} 收到</translation>
    </message>
    <message>
        <source>recorded by {name}</source>
        <translation>{name} 登记</translation>
    </message>
    <message numerus="yes">
        <source>reopened %n time(s)</source>
        <translation>
            <numerusform>重新打开 %n 次</numerusform>
        </translation>
    </message>
    <message>
        <source>The details of this complaint are confidential: only customer service, the director and the complaint&apos;s owner read them.</source>
        <translation>此投诉的详情保密：只有客服、院长和投诉负责人可以查看。</translation>
    </message>
    <message>
        <source>Serious: escalated to the director.</source>
        <translation>严重投诉：已上报院长。</translation>
    </message>
    <message>
        <source>Closed {time} by {name}. Reopen to change it: every step is locked while it is closed.</source>
        <translation>{name} 于 {time} 结案。如需修改请重新打开：结案后各步骤均已锁定。</translation>
    </message>
    <message>
        <source>Only its owner, customer service and the director work this complaint; you may read it.</source>
        <translation>只有负责人、客服和院长可以处理此投诉；您可以查看。</translation>
    </message>
    <message>
        <source>✓ done {time}</source>
        <translation>✓ {time} 完成</translation>
    </message>
    <message>
        <source>(late by {time})</source>
        <translation>（超时 {time}）</translation>
    </message>
    <message>
        <source>not needed</source>
        <translation>无需</translation>
    </message>
    <message>
        <source>{action} — {owner}, by {due}</source>
        <translation>{action} — {owner}，{due} 前完成</translation>
    </message>
    <message>
        <source>Done {time}: {note}</source>
        <translation>{time} 完成：{note}</translation>
    </message>
    <message>
        <source>{time}, by {channel}: {text}</source>
        <translation>{time}，{channel}：{text}</translation>
    </message>
    <message>
        <source>{old} to {new}</source>
        <translation>{old} 移交给 {new}</translation>
    </message>
    <message>
        <source>by {day}</source>
        <translation>{day} 前</translation>
    </message>
    <message>
        <source>Accept the complaint</source>
        <translation>受理投诉</translation>
    </message>
    <message>
        <source>You take it on: the clock for the first contact keeps running.</source>
        <translation>由您受理：首次联系的时限继续计算。</translation>
    </message>
    <message>
        <source>Note (optional)</source>
        <translation>备注（可不填）</translation>
    </message>
    <message>
        <source>Record the first contact</source>
        <translation>记录首次联系</translation>
    </message>
    <message>
        <source>How {who} was reached and what was agreed.</source>
        <translation>如何联系到{who}，约定了什么。</translation>
    </message>
    <message>
        <source>the complainant</source>
        <translation>投诉人</translation>
    </message>
    <message>
        <source>What was said</source>
        <translation>沟通内容</translation>
    </message>
    <message>
        <source>Answer</source>
        <translation>答复</translation>
    </message>
    <message>
        <source>The clinic&apos;s answer: what was found and what the clinic says about it.</source>
        <translation>诊所的答复：查明了什么，诊所如何说明。</translation>
    </message>
    <message>
        <source>Propose a solution</source>
        <translation>提出解决方案</translation>
    </message>
    <message>
        <source>What the clinic offers to put it right.</source>
        <translation>诊所提出的补救办法。</translation>
    </message>
    <message>
        <source>Solution</source>
        <translation>解决方案</translation>
    </message>
    <message>
        <source>Set the rectification</source>
        <translation>设定整改</translation>
    </message>
    <message>
        <source>What is to change so it does not happen again, who sees to it and by when (the rectification deadline is the default).</source>
        <translation>为避免再次发生要改什么、谁负责、何时完成（默认为整改时限）。</translation>
    </message>
    <message>
        <source>What is to change</source>
        <translation>整改内容</translation>
    </message>
    <message>
        <source>Who sees to it</source>
        <translation>负责人</translation>
    </message>
    <message>
        <source>Rectification done</source>
        <translation>整改完成</translation>
    </message>
    <message>
        <source>What was done</source>
        <translation>做了什么</translation>
    </message>
    <message>
        <source>When and how the complainant was told the outcome, and what they were told.</source>
        <translation>何时以何种方式把处理结果告知投诉人，告知了什么。</translation>
    </message>
    <message>
        <source>How</source>
        <translation>方式</translation>
    </message>
    <message>
        <source>What they were told</source>
        <translation>告知内容</translation>
    </message>
    <message>
        <source>Close the complaint</source>
        <translation>结案</translation>
    </message>
    <message>
        <source>Closing needs the reply to the complainant, and the rectification done if one was set. An anonymous note no one can be told about closes with a note.</source>
        <translation>结案前须已回复投诉人；如设定了整改，须已整改完成。无法回复的匿名意见凭结案备注结案。</translation>
    </message>
    <message>
        <source>Reopen the complaint</source>
        <translation>重新打开投诉</translation>
    </message>
    <message>
        <source>Say why it is opened again: the reason stays in its history.</source>
        <translation>说明重新打开的原因：原因会留在处理记录中。</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Hand the complaint over</source>
        <translation>移交投诉</translation>
    </message>
    <message>
        <source>The colleague owns it from now on; the hand-over stays in its history.</source>
        <translation>此后由该同事负责；移交会留在处理记录中。</translation>
    </message>
    <message>
        <source>To</source>
        <translation>移交给</translation>
    </message>
    <message>
        <source>{channel} complaint, {department}</source>
        <translation>{channel}投诉，{department}</translation>
    </message>
    <message>
        <source>Add to the training library</source>
        <translation>加入培训案例库</translation>
    </message>
    <message>
        <source>Cases are anonymised: write the summary in your own words, without the names of patients, complainants or staff, phone numbers or ID numbers.</source>
        <translation>案例须匿名：请用自己的话写经过，不写患者、投诉人或员工的姓名，不写电话号码和证件号码。</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>What happened</source>
        <translation>经过</translation>
    </message>
    <message>
        <source>In general terms: no names, no phone or ID numbers.</source>
        <translation>概括描述：不写姓名、电话或证件号码。</translation>
    </message>
    <message>
        <source>Lessons</source>
        <translation>经验教训</translation>
    </message>
    <message>
        <source>Add a note</source>
        <translation>添加备注</translation>
    </message>
    <message>
        <source>A note in the history.</source>
        <translation>在处理记录中加一条备注。</translation>
    </message>
</context>
<context>
    <name>ComplaintEvent</name>
    <message>
        <source>Received</source>
        <translation>收到投诉</translation>
    </message>
    <message>
        <source>Accepted</source>
        <translation>受理</translation>
    </message>
    <message>
        <source>Complainant contacted</source>
        <translation>联系投诉人</translation>
    </message>
    <message>
        <source>Answered</source>
        <translation>答复</translation>
    </message>
    <message>
        <source>Solution proposed</source>
        <translation>提出解决方案</translation>
    </message>
    <message>
        <source>Handed over</source>
        <translation>移交</translation>
    </message>
    <message>
        <source>Escalated to the director</source>
        <translation>上报院长</translation>
    </message>
    <message>
        <source>Seen by the director</source>
        <translation>院长已阅</translation>
    </message>
    <message>
        <source>Rectification set</source>
        <translation>设定整改</translation>
    </message>
    <message>
        <source>Rectification done</source>
        <translation>整改完成</translation>
    </message>
    <message>
        <source>Reply to the complainant</source>
        <translation>回复投诉人</translation>
    </message>
    <message>
        <source>Training case made</source>
        <translation>加入培训案例库</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>结案</translation>
    </message>
    <message>
        <source>Reopened</source>
        <translation>重新打开</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
</context>
<context>
    <name>ComplaintStage</name>
    <message>
        <source>Received</source>
        <translation>已收到</translation>
    </message>
    <message>
        <source>Accepted</source>
        <translation>已受理</translation>
    </message>
    <message>
        <source>Contacted</source>
        <translation>已联系</translation>
    </message>
    <message>
        <source>Answered</source>
        <translation>已答复</translation>
    </message>
    <message>
        <source>Rectifying</source>
        <translation>整改中</translation>
    </message>
    <message>
        <source>Replied</source>
        <translation>已回复</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>已结案</translation>
    </message>
</context>
<context>
    <name>ComplaintStep</name>
    <message>
        <source>Accept</source>
        <translation>受理</translation>
    </message>
    <message>
        <source>Contact the complainant</source>
        <translation>联系投诉人</translation>
    </message>
    <message>
        <source>Answer (simple issue)</source>
        <translation>答复（简单问题）</translation>
    </message>
    <message>
        <source>Propose a solution</source>
        <translation>提出解决方案</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>结案</translation>
    </message>
    <message>
        <source>Rectify</source>
        <translation>整改</translation>
    </message>
    <message>
        <source>Answer (complex dispute)</source>
        <translation>答复（复杂纠纷）</translation>
    </message>
</context>
<context>
    <name>Complaints</name>
    <message>
        <source>%n day(s)</source>
        <translation>%n 天</translation>
    </message>
    <message>
        <source>{h} h</source>
        <translation>{h} 小时</translation>
    </message>
    <message>
        <source>{h} h {m} min</source>
        <translation>{h} 小时 {m} 分钟</translation>
    </message>
    <message>
        <source>{m} min</source>
        <translation>{m} 分钟</translation>
    </message>
    <message>
        <source>overdue by {time}</source>
        <translation>已超时 {time}</translation>
    </message>
    <message>
        <source>{time} left</source>
        <translation>还剩 {time}</translation>
    </message>
    <message>
        <source>{day} end of day</source>
        <translation>{day} 当天结束前</translation>
    </message>
    <message>
        <source>{step}: {due} ({left})</source>
        <translation>{step}：{due}（{left}）</translation>
    </message>
</context>
<context>
    <name>ComplaintsPanel</name>
    <message>
        <source>Open</source>
        <translation>未结案</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>已结案</translation>
    </message>
    <message>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>Mine</source>
        <translation>我负责的</translation>
    </message>
    <message>
        <source>Only the complaints you own</source>
        <translation>只看由您负责的投诉</translation>
    </message>
    <message>
        <source>Overdue only</source>
        <translation>只看超时的</translation>
    </message>
    <message>
        <source>Received from</source>
        <translation>收到日期从</translation>
    </message>
    <message>
        <source>to</source>
        <translation>至</translation>
    </message>
    <message>
        <source>Search: number, complainant, words in it…</source>
        <translation>搜索：编号、投诉人、内容中的字词…</translation>
    </message>
    <message>
        <source>Record a complaint…</source>
        <translation>登记投诉…</translation>
    </message>
    <message>
        <source>Whoever receives a complaint records it and owns it (Ctrl+N)</source>
        <translation>首接负责：谁接待谁登记、谁负责（Ctrl+N）</translation>
    </message>
    <message>
        <source>Open suggestion box…</source>
        <translation>开启意见箱…</translation>
    </message>
    <message>
        <source>Enter the week&apos;s notes from the box, all at once</source>
        <translation>一次录入本周意见箱中的全部意见</translation>
    </message>
    <message>
        <source>Open…</source>
        <translation>打开…</translation>
    </message>
    <message>
        <source>Open the selected complaint (Enter)</source>
        <translation>打开所选投诉（回车）</translation>
    </message>
    <message>
        <source>Number</source>
        <translation>编号</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>收到时间</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>严重程度</translation>
    </message>
    <message>
        <source>Stage</source>
        <translation>进度</translation>
    </message>
    <message>
        <source>Owner</source>
        <translation>负责人</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>科室</translation>
    </message>
    <message>
        <source>Next deadline</source>
        <translation>下一时限</translation>
    </message>
    <message>
        <source>Complainant and gist</source>
        <translation>投诉人及摘要</translation>
    </message>
    <message>
        <source>Confidential</source>
        <translation>保密</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <source>No complaint matches.</source>
        <translation>没有符合条件的投诉。</translation>
    </message>
    <message numerus="yes">
        <source>%n complaint(s)</source>
        <translation>
            <numerusform>%n 件投诉</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n overdue</source>
        <translation>
            <numerusform>%n 件超时</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ConflictsDialog</name>
    <message>
        <source>Sync conflicts</source>
        <translation>同步冲突</translation>
    </message>
    <message>
        <source>Two workstations changed the same thing without seeing each other&apos;s change. The later change is in the record now; the earlier value is kept here. Keep the record as it is, or restore the lost value (every workstation gets it).</source>
        <translation>两台工作站在看不到对方修改的情况下修改了同一项内容。记录中现在保存的是较晚的修改；较早的值保留在这里。您可以让记录保持原样，或恢复被覆盖的值（所有工作站都会随之更新）。</translation>
    </message>
    <message>
        <source>There are no open conflicts.</source>
        <translation>没有待处理的冲突。</translation>
    </message>
    <message>
        <source>What</source>
        <translation>项目</translation>
    </message>
    <message>
        <source>In the record now</source>
        <translation>记录中的当前值</translation>
    </message>
    <message>
        <source>Lost value</source>
        <translation>被覆盖的值</translation>
    </message>
    <message>
        <source>Lost change made</source>
        <translation>被覆盖的修改</translation>
    </message>
    <message>
        <source>Kept change made</source>
        <translation>保留的修改</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>患者</translation>
    </message>
    <message>
        <source>Allergy</source>
        <translation>过敏记录</translation>
    </message>
    <message>
        <source>Medication</source>
        <translation>用药记录</translation>
    </message>
    <message>
        <source>Condition</source>
        <translation>疾病记录</translation>
    </message>
    <message>
        <source>Visit</source>
        <translation>就诊记录</translation>
    </message>
    <message>
        <source>Vital signs</source>
        <translation>生命体征记录</translation>
    </message>
    <message>
        <source>Prescription</source>
        <translation>处方</translation>
    </message>
    <message>
        <source>Prescription line</source>
        <translation>处方明细</translation>
    </message>
    <message>
        <source>Referral</source>
        <translation>转诊单</translation>
    </message>
    <message>
        <source>Appointment</source>
        <translation>预约</translation>
    </message>
    <message>
        <source>Appointment type</source>
        <translation>预约类型</translation>
    </message>
    <message>
        <source>Waiting list</source>
        <translation>候补名单</translation>
    </message>
    <message>
        <source>Queue</source>
        <translation>候诊队列</translation>
    </message>
    <message>
        <source>Staff member</source>
        <translation>员工</translation>
    </message>
    <message>
        <source>Setting</source>
        <translation>设置项</translation>
    </message>
    <message>
        <source>Roster</source>
        <translation>排班</translation>
    </message>
    <message>
        <source>Roster change</source>
        <translation>排班调整</translation>
    </message>
    <message>
        <source>Room or device</source>
        <translation>诊室或设备</translation>
    </message>
    <message>
        <source>Doctor&apos;s profile</source>
        <translation>医生资料</translation>
    </message>
    <message>
        <source>Clinic closure</source>
        <translation>休诊日</translation>
    </message>
    <message>
        <source>phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>family name</source>
        <translation>姓</translation>
    </message>
    <message>
        <source>given name</source>
        <translation>名</translation>
    </message>
    <message>
        <source>date of birth</source>
        <translation>出生日期</translation>
    </message>
    <message>
        <source>sex</source>
        <translation>性别</translation>
    </message>
    <message>
        <source>address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>notes for the desk</source>
        <translation>前台备注</translation>
    </message>
    <message>
        <source>notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>occupation</source>
        <translation>职业</translation>
    </message>
    <message>
        <source>ID number</source>
        <translation>证件号码</translation>
    </message>
    <message>
        <source>record number</source>
        <translation>病历号</translation>
    </message>
    <message>
        <source>status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>start time</source>
        <translation>开始时间</translation>
    </message>
    <message>
        <source>end time</source>
        <translation>结束时间</translation>
    </message>
    <message>
        <source>doctor</source>
        <translation>医生</translation>
    </message>
    <message>
        <source>patient</source>
        <translation>患者</translation>
    </message>
    <message>
        <source>user name</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>role</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>value</source>
        <translation>值</translation>
    </message>
    <message>
        <source>removed</source>
        <translation>已移除</translation>
    </message>
    <message>
        <source>substance</source>
        <translation>过敏原</translation>
    </message>
    <message>
        <source>severity</source>
        <translation>严重程度</translation>
    </message>
    <message>
        <source>reaction</source>
        <translation>反应</translation>
    </message>
    <message>
        <source>(empty)</source>
        <translation>（空）</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>no</source>
        <translation>否</translation>
    </message>
    <message>
        <source>record #{short}</source>
        <translation>记录 #{short}</translation>
    </message>
    <message>
        <source>workstation {id}</source>
        <translation>工作站 {id}</translation>
    </message>
    <message>
        <source>{time} at {workstation}</source>
        <translation>{time}（{workstation}）</translation>
    </message>
    <message>
        <source>Workstation names could not be read from the hub: {reason}</source>
        <translation>无法从同步服务器读取工作站名称：{reason}</translation>
    </message>
    <message>
        <source>renamed to {value}</source>
        <translation>已重命名为 {value}</translation>
    </message>
    <message>
        <source>Two records had the same {field}; the later one was renamed so both stay.</source>
        <translation>两条记录的{field}相同；较晚的一条已重命名，以便两条都能保留。</translation>
    </message>
    <message>
        <source>Keep</source>
        <translation>保持原样</translation>
    </message>
    <message>
        <source>The record stays as it is; this item is closed.</source>
        <translation>记录保持不变，此项随即关闭。</translation>
    </message>
    <message>
        <source>Restore lost value</source>
        <translation>恢复被覆盖的值</translation>
    </message>
    <message>
        <source>Not possible here: change the record itself.</source>
        <translation>无法在此恢复：请直接修改该记录。</translation>
    </message>
    <message>
        <source>Write the lost value back into the record, on every workstation.</source>
        <translation>将丢失的值写回该条记录，所有工作站都会随之更新。</translation>
    </message>
</context>
<context>
    <name>ContactsTab</name>
    <message>
        <source>Log a contact…</source>
        <translation>记录联系…</translation>
    </message>
    <message>
        <source>When</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>How</source>
        <translation>方式</translation>
    </message>
    <message>
        <source>Direction</source>
        <translation>方向</translation>
    </message>
    <message>
        <source>Staff</source>
        <translation>经办人员</translation>
    </message>
    <message>
        <source>Summary</source>
        <translation>摘要</translation>
    </message>
    <message>
        <source>In person</source>
        <translation>当面</translation>
    </message>
    <message>
        <source>Patient to us</source>
        <translation>患者联系诊所</translation>
    </message>
    <message>
        <source>Us to patient</source>
        <translation>诊所联系患者</translation>
    </message>
    <message>
        <source>Log a contact</source>
        <translation>记录联系</translation>
    </message>
    <message>
        <source>What was said or agreed</source>
        <translation>沟通或约定的内容</translation>
    </message>
</context>
<context>
    <name>CreatePage</name>
    <message>
        <source>Creating the clinic&apos;s encrypted data. This takes a few seconds…</source>
        <translation>正在创建诊所的加密数据，需要几秒钟…</translation>
    </message>
    <message>
        <source>The clinic could not be created. Nothing was changed on this computer. Fix the problem below, or go back and change what you typed, then try again.</source>
        <translation>无法创建诊所，本机上没有做任何更改。请解决下面列出的问题，或返回修改已输入的内容，然后重试。</translation>
    </message>
    <message>
        <source>The clinic is ready.</source>
        <translation>诊所已创建完成。</translation>
    </message>
    <message>
        <source>Stopping… the copy made so far is being deleted.</source>
        <translation>正在停止……已复制的内容正在删除。</translation>
    </message>
    <message>
        <source>Copying the clinic&apos;s saved copy from the hub…</source>
        <translation>正在从同步服务器复制诊所保存的副本……</translation>
    </message>
    <message>
        <source>Copying the clinic&apos;s data from the hub… {percent}% done</source>
        <translation>正在从同步服务器复制诊所数据……已完成 {percent}%</translation>
    </message>
    <message>
        <source>Preparing the patient search…</source>
        <translation>正在准备患者搜索……</translation>
    </message>
    <message>
        <source>Checking the director&apos;s sign-in…</source>
        <translation>正在核对院长的登录信息……</translation>
    </message>
    <message>
        <source>Done.</source>
        <translation>完成。</translation>
    </message>
    <message>
        <source>Checking the pairing code with the hub…</source>
        <translation>正在向同步服务器核对配对码……</translation>
    </message>
    <message>
        <source>Joining the clinic: checking the pairing code and copying the clinic&apos;s data from the hub. A small clinic takes a minute; one with years of records can take ten minutes or more. Keep this window open.</source>
        <translation>正在加入诊所：核对配对码并从同步服务器复制诊所数据。小诊所约需一分钟；有多年记录的诊所可能需要十分钟或更久。请不要关闭此窗口。</translation>
    </message>
    <message>
        <source>Joining was stopped. Nothing was set up on this computer. The pairing code has been used: to try again, make a new one on a workstation that already syncs (Settings → Sync → “Add a workstation…”), go back and type it.</source>
        <translation>已停止加入，这台电脑上没有设置任何内容。该配对码已被使用：如要重试，请在已同步的工作站上生成新的配对码（设置 → 同步 →“添加工作站…”），然后返回并输入。</translation>
    </message>
    <message>
        <source>This computer could not join the clinic. Nothing was set up on this computer. Fix the problem below, or go back and change what you typed, then try again.</source>
        <translation>这台电脑未能加入诊所，本机上没有进行任何设置。请解决下面列出的问题，或返回修改已输入的内容，然后重试。</translation>
    </message>
    <message>
        <source>This computer has joined the clinic.</source>
        <translation>这台电脑已加入诊所。</translation>
    </message>
    <message>
        <source>Joining the clinic</source>
        <translation>正在加入诊所</translation>
    </message>
    <message>
        <source>Creating the clinic</source>
        <translation>正在创建诊所</translation>
    </message>
    <message>
        <source>The clinic&apos;s data is kept in this folder: {path}</source>
        <translation>诊所数据保存在此文件夹中：{path}</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>Stop joining</source>
        <translation>停止加入</translation>
    </message>
</context>
<context>
    <name>Dashboard</name>
    <message>
        <source>{n} of {d} answers satisfied (4 or 5)</source>
        <translation>{d} 个评分中 {n} 个满意（4 或 5 分）</translation>
    </message>
    <message>
        <source>{n} of {d} complaints closed</source>
        <translation>{d} 件投诉中已结案 {n} 件</translation>
    </message>
    <message>
        <source>{n} of {d} closed on time</source>
        <translation>{d} 件结案中按时 {n} 件</translation>
    </message>
    <message>
        <source>{n} no-shows of {d} appointments due</source>
        <translation>{d} 个应到预约中爽约 {n} 个</translation>
    </message>
    <message>
        <source>over {d} waits</source>
        <translation>共 {d} 次候诊</translation>
    </message>
    <message>
        <source>{n} of {d} waits</source>
        <translation>{d} 次候诊中 {n} 次</translation>
    </message>
    <message>
        <source>{n} of {d} follow-ups done</source>
        <translation>{d} 个应随访中已完成 {n} 个</translation>
    </message>
    <message>
        <source>{n} of {d} visits rebooked</source>
        <translation>{d} 次就诊中复约 {n} 次</translation>
    </message>
    <message>
        <source>{n} of {d} check-ins booked ahead</source>
        <translation>{d} 次签到中预约就诊 {n} 次</translation>
    </message>
    <message>
        <source>{n} of {d} prescriptions cancelled</source>
        <translation>{d} 张处方中作废 {n} 张</translation>
    </message>
    <message>
        <source>{n} of {d}</source>
        <translation>{d} 中 {n}</translation>
    </message>
    <message>
        <source>No target</source>
        <translation>无目标值</translation>
    </message>
    <message>
        <source>Target ≥ {value}</source>
        <translation>目标 ≥ {value}</translation>
    </message>
    <message>
        <source>Target ≤ {value}</source>
        <translation>目标 ≤ {value}</translation>
    </message>
    <message>
        <source>No data in this period</source>
        <translation>本期无数据</translation>
    </message>
</context>
<context>
    <name>DashboardPanel</name>
    <message>
        <source>Period</source>
        <extracomment>asks the page to show another tab: &quot;complaints&quot; or &quot;selfcheck&quot;</extracomment>
        <translation>期间</translation>
    </message>
    <message>
        <source>This week</source>
        <translation>本周</translation>
    </message>
    <message>
        <source>This month</source>
        <translation>本月</translation>
    </message>
    <message>
        <source>Last month</source>
        <translation>上月</translation>
    </message>
    <message>
        <source>This quarter</source>
        <translation>本季度</translation>
    </message>
    <message>
        <source>This year</source>
        <translation>本年</translation>
    </message>
    <message>
        <source>Dates</source>
        <translation>自选日期</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>医生</translation>
    </message>
    <message>
        <source>All doctors</source>
        <translation>全部医生</translation>
    </message>
    <message>
        <source>Click a figure to see its trend by week and by month. Green: the target is met; red: it is not; grey: nothing was counted. The dashed line is the target (Settings, Quality).</source>
        <translation>点击指标可查看按周、按月的趋势。绿色：达标；红色：未达标；灰色：无数据。虚线为目标值（设置 › 质量）。</translation>
    </message>
    <message>
        <source>the clinic</source>
        <translation>全诊所</translation>
    </message>
    <message>
        <source>Nothing was recorded for {who} from {first} to {last}: no visits, appointments, calls, complaints or survey answers. Choose another period.</source>
        <translation>{first} 至 {last} 期间{who}没有任何记录：无就诊、预约、随访、投诉或调查答卷。请选择其他期间。</translation>
    </message>
    <message>
        <source>Open complaints: {n}</source>
        <translation>未结投诉：{n}</translation>
    </message>
    <message>
        <source>Overdue: {n}</source>
        <translation>已超时：{n}</translation>
    </message>
    <message>
        <source>Escalations not seen: {n}</source>
        <translation>未阅上报：{n}</translation>
    </message>
    <message>
        <source>Missing self-checks: {n}</source>
        <translation>未交自查：{n}</translation>
    </message>
    <message>
        <source>Show the complaints</source>
        <translation>查看投诉</translation>
    </message>
    <message>
        <source>Show the self-checks</source>
        <translation>查看自查</translation>
    </message>
    <message>
        <source>{metric} by week</source>
        <translation>{metric}（按周）</translation>
    </message>
    <message>
        <source>{metric} by month</source>
        <translation>{metric}（按月）</translation>
    </message>
</context>
<context>
    <name>DayEndDialog</name>
    <message>
        <source>Day&apos;s end</source>
        <extracomment>statuses from which a patient can be recorded as gone without being seen</extracomment>
        <translation>日终处理</translation>
    </message>
    <message>
        <source>Day&apos;s end: who is still here</source>
        <translation>日终处理：仍在诊所的患者</translation>
    </message>
    <message>
        <source>Day:</source>
        <translation>日期：</translation>
    </message>
    <message>
        <source>No.</source>
        <translation>号码</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>患者</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>医生</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Since</source>
        <translation>起始时间</translation>
    </message>
    <message>
        <source>What happened</source>
        <translation>处理</translation>
    </message>
    <message numerus="yes">
        <source>%n patient(s) still waiting</source>
        <translation>
            <numerusform>仍有 %n 位患者候诊</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n still in consultation</source>
        <translation>
            <numerusform>%n 位仍在就诊</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n booking(s) marked as no-show</source>
        <translation>
            <numerusform>%n 个预约已标记为爽约</numerusform>
        </translation>
    </message>
    <message>
        <source>Everyone has been seen: nothing is left open for this day.</source>
        <translation>所有患者均已就诊：当天没有未处理的事项。</translation>
    </message>
    <message>
        <source>Left without being seen</source>
        <translation>未就诊离开</translation>
    </message>
    <message>
        <source>Finish</source>
        <translation>结束就诊</translation>
    </message>
</context>
<context>
    <name>DayListPrint</name>
    <message>
        <source>Next day&apos;s appointments: {day}</source>
        <translation>明日预约名单：{day}</translation>
    </message>
    <message>
        <source>Appointments: {day}</source>
        <translation>预约名单：{day}</translation>
    </message>
    <message>
        <source>Day sheet for {doctor}: {day}</source>
        <translation>{doctor} 日程单：{day}</translation>
    </message>
    <message>
        <source>{weekday} {year}-{month:02d}-{day:02d}</source>
        <translation>{year}年{month:02d}月{day:02d}日 {weekday}</translation>
    </message>
    <message>
        <source>Printed {time}</source>
        <translation>打印时间 {time}</translation>
    </message>
    <message>
        <source>Appointments: {n}</source>
        <translation>预约 {n} 人</translation>
    </message>
    <message>
        <source>Add-ons: {n}</source>
        <translation>加号 {n} 人</translation>
    </message>
    <message>
        <source>Printed before {time}: appointments booked after this are not on the list.</source>
        <translation>在 {time} 之前打印：之后的新预约不在名单上。</translation>
    </message>
    <message>
        <source>Page {n} / {total}</source>
        <translation>第 {n} / {total} 页</translation>
    </message>
    <message>
        <source>{name} (continued)</source>
        <translation>{name}（续）</translation>
    </message>
    <message>
        <source>(continued)</source>
        <translation>（续）</translation>
    </message>
    <message>
        <source>No appointments.</source>
        <translation>没有预约。</translation>
    </message>
    <message>
        <source>Away this day: move these appointments or ask a colleague to see them.</source>
        <translation>当天不在：请改约这些预约或请同事接诊。</translation>
    </message>
    <message>
        <source>Away this day: {name} sees these patients.</source>
        <translation>当天不在：由 {name} 接诊。</translation>
    </message>
    <message>
        <source>Away this day: a substitute doctor sees these patients.</source>
        <translation>当天不在：由代班医生接诊。</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>患者</translation>
    </message>
    <message>
        <source>Record no.</source>
        <translation>病历号</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Type / purpose</source>
        <translation>类型 / 目的</translation>
    </message>
    <message>
        <source>Flags</source>
        <translation>标记</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Doctor&apos;s notes</source>
        <translation>医生手记</translation>
    </message>
    <message>
        <source>First visit</source>
        <translation>初诊</translation>
    </message>
    <message>
        <source>Add-on</source>
        <translation>加号</translation>
    </message>
    <message>
        <source>Holiday</source>
        <translation>节假日</translation>
    </message>
    <message>
        <source>Elderly</source>
        <translation>老人</translation>
    </message>
    <message>
        <source>Child</source>
        <translation>儿童</translation>
    </message>
    <message>
        <source>Disabled</source>
        <translation>残障</translation>
    </message>
    <message>
        <source>Accompanied</source>
        <translation>陪同</translation>
    </message>
    <message>
        <source>Next day&apos;s appointment list</source>
        <translation>明日预约名单</translation>
    </message>
    <message>
        <source>Doctor&apos;s day sheet</source>
        <translation>医生日程单</translation>
    </message>
    <message>
        <source>Print list</source>
        <translation>打印名单</translation>
    </message>
    <message>
        <source>Print the appointment list for the triage nurse or a doctor</source>
        <translation>为导诊护士或医生打印预约名单</translation>
    </message>
    <message>
        <source>Next day&apos;s list for the triage nurse</source>
        <translation>导诊护士的明日名单</translation>
    </message>
    <message>
        <source>Appointment list for the day shown</source>
        <translation>所显示日期的预约名单</translation>
    </message>
    <message>
        <source>Day sheet for the doctor shown</source>
        <translation>所显示医生的日程单</translation>
    </message>
</context>
<context>
    <name>DeathDialog</name>
    <message>
        <source>Record death</source>
        <translation>登记死亡</translation>
    </message>
    <message>
        <source>No more calls or messages go to this patient. {what}</source>
        <translation>今后不会再给该患者打电话或发消息。{what}</translation>
    </message>
    <message>
        <source>Date of death</source>
        <translation>死亡日期</translation>
    </message>
    <message>
        <source>Note (how the clinic learned of it)</source>
        <translation>备注（诊所如何得知）</translation>
    </message>
    <message>
        <source>Record the death?</source>
        <translation>确定登记死亡吗？</translation>
    </message>
</context>
<context>
    <name>DirectorPage</name>
    <message>
        <source>The two passwords are not the same. Type the same password twice.</source>
        <translation>两次输入的密码不一致。请输入两次相同的密码。</translation>
    </message>
    <message>
        <source>The director&apos;s account</source>
        <translation>院长账号</translation>
    </message>
    <message>
        <source>The director manages the clinic in ClinicDesk: staff accounts, settings and keys. Everyone signs in with their own user name; the director adds the other staff later.</source>
        <translation>院长在 ClinicDesk 中管理诊所：员工账号、设置和密钥。每个人都用自己的用户名登录；其他员工由院长稍后添加。</translation>
    </message>
    <message>
        <source>Director&apos;s name</source>
        <translation>院长姓名</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Password again</source>
        <translation>再次输入密码</translation>
    </message>
    <message>
        <source>e.g. 王丽</source>
        <translation>例如 王丽</translation>
    </message>
    <message>
        <source>e.g. wang.li (letters a-z and digits)</source>
        <translation>例如 wang.li（字母 a-z 和数字）</translation>
    </message>
</context>
<context>
    <name>DoctorQueuePage</name>
    <message>
        <source>Doctor:</source>
        <extracomment>a consultation started: the patient&apos;s file was opened (patient id) show something on another page (feature key, target): the open file&apos;s &quot;Open in Membership&quot; (the main window connects every page&apos;s signal)</extracomment>
        <translation>医生：</translation>
    </message>
    <message>
        <source>Waiting-room display</source>
        <translation>候诊室显示屏</translation>
    </message>
    <message>
        <source>Show the called numbers on a second screen in the waiting room (names masked)</source>
        <translation>在候诊室的第二块屏幕上显示叫号（姓名已隐去）</translation>
    </message>
    <message>
        <source>Call next</source>
        <translation>叫下一位</translation>
    </message>
    <message>
        <source>Call the next patient: green channel first, then by number (F5 or Ctrl+N)</source>
        <translation>叫下一位患者：绿色通道优先，然后按号码顺序（F5 或 Ctrl+N）</translation>
    </message>
    <message>
        <source>Call again</source>
        <translation>重新叫号</translation>
    </message>
    <message>
        <source>Call the chosen number once more</source>
        <translation>再叫一次所选号码</translation>
    </message>
    <message>
        <source>Start consultation</source>
        <translation>开始就诊</translation>
    </message>
    <message>
        <source>Start with the chosen patient and open their file (Enter)</source>
        <translation>为所选患者开始就诊并打开其病历（Enter）</translation>
    </message>
    <message>
        <source>Finish…</source>
        <translation>结束就诊…</translation>
    </message>
    <message>
        <source>Finish the consultation and choose the kind of visit (Ctrl+Enter)</source>
        <translation>结束就诊并选择就诊类型（Ctrl+Enter）</translation>
    </message>
    <message>
        <source>Send back to the desk…</source>
        <translation>转回前台…</translation>
    </message>
    <message>
        <source>For payment, an examination or medicine; the patient keeps the number</source>
        <translation>去缴费、做检查或取药；患者保留原号</translation>
    </message>
    <message>
        <source>Back in the queue</source>
        <translation>重新候诊</translation>
    </message>
    <message>
        <source>The patient is back from the desk and waits again with the same number</source>
        <translation>患者已从前台回来，以原号码继续候诊</translation>
    </message>
    <message>
        <source>Close the file</source>
        <translation>关闭病历</translation>
    </message>
    <message>
        <source>No.</source>
        <translation>号码</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>患者</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>已候诊</translation>
    </message>
    <message>
        <source>Needs</source>
        <translation>特殊需求</translation>
    </message>
    <message>
        <source>Green channel</source>
        <translation>绿色通道</translation>
    </message>
    <message>
        <source>Booked</source>
        <translation>预约时间</translation>
    </message>
    <message>
        <source>Nobody is in your queue yet. Patients appear here as soon as the desk checks them in.</source>
        <translation>您的候诊队列中还没有患者。前台一签到，患者就会出现在这里。</translation>
    </message>
    <message>
        <source>My queue</source>
        <translation>我的候诊队列</translation>
    </message>
    <message>
        <source>Queue of {doctor}</source>
        <translation>{doctor}的候诊队列</translation>
    </message>
    <message>
        <source>Queue</source>
        <translation>候诊队列</translation>
    </message>
    <message>
        <source>{minutes} min</source>
        <translation>{minutes} 分钟</translation>
    </message>
    <message>
        <source>Walk-in</source>
        <translation>现场挂号</translation>
    </message>
    <message>
        <source>Green channel: {reason}</source>
        <translation>绿色通道：{reason}</translation>
    </message>
    <message>
        <source>Waiting longer than the clinic&apos;s limit</source>
        <translation>候诊时间已超过诊所规定的上限</translation>
    </message>
    <message>
        <source>In consultation: No. {number} {patient} since {time}</source>
        <translation>就诊中：{number} 号 {patient}，{time} 开始</translation>
    </message>
    <message>
        <source>Called: No. {number} {patient} at {time}</source>
        <translation>已叫号：{number} 号 {patient}，{time}</translation>
    </message>
    <message numerus="yes">
        <source>%n waiting</source>
        <translation>
            <numerusform>%n 人候诊</numerusform>
        </translation>
    </message>
    <message>
        <source>Nobody is waiting for you right now. Take a breath; new patients appear here as soon as the desk checks them in.</source>
        <translation>目前没有患者在等您。稍作休息吧；前台一签到，新患者就会出现在这里。</translation>
    </message>
    <message>
        <source>No. {number} has been called.</source>
        <translation>已叫 {number} 号。</translation>
    </message>
    <message>
        <source>No. {number}</source>
        <translation>{number} 号</translation>
    </message>
</context>
<context>
    <name>DoctorsPanel</name>
    <message>
        <source>Doctors and health managers</source>
        <translation>医生和健康管理师</translation>
    </message>
    <message>
        <source>Add doctors on the Staff tab with the role Doctor or Health manager.</source>
        <translation>请在“员工”标签页中添加角色为“医生”或“健康管理师”的人员。</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Specialties</source>
        <translation>专长</translation>
    </message>
    <message>
        <source>Bookable</source>
        <translation>可预约</translation>
    </message>
    <message>
        <source>Profile</source>
        <translation>医生资料</translation>
    </message>
    <message>
        <source>e.g. 内科, 糖尿病管理</source>
        <translation>例如 内科、糖尿病管理</translation>
    </message>
    <message>
        <source>Said to callers</source>
        <translation>电话介绍</translation>
    </message>
    <message>
        <source>What the desk reads to a caller who asks about this doctor</source>
        <translation>有人来电询问这位医生时，前台念给对方听的介绍</translation>
    </message>
    <message>
        <source>Calendar colour</source>
        <translation>日程颜色</translation>
    </message>
    <message>
        <source>Takes appointments (shown as a calendar column)</source>
        <translation>接受预约（在日程中显示为一列）</translation>
    </message>
    <message>
        <source>Save profile</source>
        <translation>保存资料</translation>
    </message>
    <message>
        <source>Weekly hours</source>
        <translation>每周出诊时间</translation>
    </message>
    <message>
        <source>Type each day&apos;s working hours and breaks as start-end, separated by commas. Leave a day empty when the doctor does not work. Public holidays and closures are marked on the calendar separately.</source>
        <translation>请按“开始-结束”的格式填写每天的出诊时间和休息时间，多个时段用逗号分隔。医生不出诊的日子留空即可。法定节假日和休诊日另行在日程中标出。</translation>
    </message>
    <message>
        <source>Only the director changes rosters; you can read them here.</source>
        <translation>只有院长可以修改排班；您可以在此查看。</translation>
    </message>
    <message>
        <source>Undo changes</source>
        <translation>撤销更改</translation>
    </message>
    <message>
        <source>Save roster</source>
        <translation>保存排班</translation>
    </message>
    <message>
        <source>Days off and extra hours, next {n} days</source>
        <translation>未来 {n} 天的休息和加诊</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Day</source>
        <translation>星期</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>调整类型</translation>
    </message>
    <message>
        <source>Hours</source>
        <translation>时段</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>添加…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>{name} (account disabled)</source>
        <translation>{name}（账号已停用）</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>No</source>
        <translation>否</translation>
    </message>
    <message>
        <source>Choose a doctor on the left.</source>
        <translation>请在左侧选择一位医生。</translation>
    </message>
    <message>
        <source>There are no doctors or health managers yet.</source>
        <translation>目前还没有医生或健康管理师。</translation>
    </message>
    <message>
        <source>These hours end on {day}; other hours follow from the next day.</source>
        <translation>此排班到 {day} 为止；次日起改用另一份排班。</translation>
    </message>
    <message>
        <source>Day off</source>
        <translation>休息</translation>
    </message>
    <message>
        <source>Extra hours</source>
        <translation>加诊</translation>
    </message>
    <message>
        <source>Absent</source>
        <translation>停诊</translation>
    </message>
    <message>
        <source>Absent, substituted</source>
        <translation>停诊（有代诊）</translation>
    </message>
    <message>
        <source>Profile saved.</source>
        <translation>医生资料已保存。</translation>
    </message>
    <message>
        <source>Weekly hours of {name} saved.</source>
        <translation>已保存{name}的每周出诊时间。</translation>
    </message>
    <message>
        <source>Change added.</source>
        <translation>已添加排班调整。</translation>
    </message>
    <message>
        <source>Choose a change in the list first.</source>
        <translation>请先在列表中选择一项排班调整。</translation>
    </message>
    <message>
        <source>Change removed.</source>
        <translation>已删除排班调整。</translation>
    </message>
</context>
<context>
    <name>DrugWarning</name>
    <message>
        <source>Major</source>
        <translation>严重</translation>
    </message>
    <message>
        <source>Moderate</source>
        <translation>中度</translation>
    </message>
    <message>
        <source>Minor</source>
        <translation>轻微</translation>
    </message>
    <message>
        <source>Allergy</source>
        <translation>过敏</translation>
    </message>
    <message>
        <source>Interaction</source>
        <translation>相互作用</translation>
    </message>
    <message>
        <source>Duplicate</source>
        <translation>重复用药</translation>
    </message>
</context>
<context>
    <name>EnrolDialog</name>
    <message>
        <source>Enrol in a membership</source>
        <translation>办理会员</translation>
    </message>
    <message>
        <source>Choose the tier, find the person who pays, and for a family tier add the others. The card number is given when you save.</source>
        <translation>选择等级，查找付款人；如为家庭等级，再添加其他家庭成员。保存后生成会员卡号。</translation>
    </message>
    <message>
        <source>Tier</source>
        <translation>等级</translation>
    </message>
    <message>
        <source>Payer</source>
        <translation>付款人</translation>
    </message>
    <message>
        <source>Find the payer: name, phone digits…</source>
        <translation>查找付款人：姓名、电话号码…</translation>
    </message>
    <message>
        <source>Choose someone else</source>
        <translation>改选他人</translation>
    </message>
    <message>
        <source>Family members</source>
        <translation>家庭成员</translation>
    </message>
    <message>
        <source>Add a family member: name, phone digits…</source>
        <translation>添加家庭成员：姓名、电话号码…</translation>
    </message>
    <message>
        <source>Starts on</source>
        <translation>开始日期</translation>
    </message>
    <message>
        <source>Periods</source>
        <translation>期数</translation>
    </message>
    <message>
        <source>Payment</source>
        <translation>付款</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>No tier is offered. The director sets them up.</source>
        <translation>暂无可办理的会员等级，请院长先设置。</translation>
    </message>
    <message numerus="yes">
        <source>Up to %n people, the payer included.</source>
        <translation>
            <numerusform>最多 %n 人（含付款人）。</numerusform>
        </translation>
    </message>
    <message>
        <source>ends on {day}</source>
        <translation>至 {day} 止</translation>
    </message>
    <message>
        <source>{name} is already on this membership.</source>
        <translation>{name} 已是此会员的成员。</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Choose a tier.</source>
        <translation>请选择等级。</translation>
    </message>
    <message>
        <source>Find and choose the person who pays.</source>
        <translation>请查找并选择付款人。</translation>
    </message>
</context>
<context>
    <name>EnterFormDialog</name>
    <message>
        <source>Enter a returned form</source>
        <translation>录入回收的问卷</translation>
    </message>
    <message>
        <source>e.g. 3F2A-9C1B; empty if the form has none</source>
        <translation>如 3F2A-9C1B；问卷上没有则留空</translation>
    </message>
    <message>
        <source>Questionnaire</source>
        <translation>问卷</translation>
    </message>
    <message>
        <source>Reference code</source>
        <translation>问卷编号</translation>
    </message>
    <message>
        <source>Answered on</source>
        <translation>填写日期</translation>
    </message>
    <message>
        <source>The code is printed small at the foot of the form. Leave a question empty if the patient did not answer it.</source>
        <translation>编号以小字印在问卷底部。患者未回答的题目请留空。</translation>
    </message>
    <message>
        <source>Enter at least one answer from the form.</source>
        <translation>请至少录入问卷上的一个答案。</translation>
    </message>
</context>
<context>
    <name>Errors</name>
    <message>
        <source>Something went wrong. Details are in the log file.</source>
        <translation>出现了问题。详细信息已记录在日志文件中。</translation>
    </message>
    <message>
        <source>No clinic has been set up in {path}. Run the setup first, or choose the folder that holds the clinic&apos;s data.</source>
        <translation>{path} 中还没有设置诊所。请先运行设置向导，或选择存放诊所数据的文件夹。</translation>
    </message>
    <message>
        <source>A clinic already exists in {path}. Choose an empty folder for a new clinic.</source>
        <translation>{path} 中已有一家诊所。请为新诊所选择一个空文件夹。</translation>
    </message>
    <message>
        <source>That passphrase does not open this clinic. Check the keyboard layout and Caps Lock, then try again, or use the recovery key. Failed attempts so far: {count}.</source>
        <translation>此口令无法打开这家诊所。请检查键盘布局和大写锁定键（Caps Lock）后重试，或使用恢复密钥。目前已失败 {count} 次。</translation>
    </message>
    <message>
        <source>That recovery key does not belong to this clinic. Check that it comes from this clinic&apos;s recovery kit. Failed attempts so far: {count}.</source>
        <translation>此恢复密钥不属于这家诊所。请确认它来自本诊所的恢复密钥单。目前已失败 {count} 次。</translation>
    </message>
    <message>
        <source>That recovery key has a typing mistake: it should be 32 letters and digits in 8 groups of 4, exactly as printed on the recovery kit. Please type it again.</source>
        <translation>恢复密钥输入有误：它应由 32 个字母和数字组成，分为 8 组、每组 4 个，与恢复密钥单上印的完全一致。请重新输入。</translation>
    </message>
    <message>
        <source>Too many wrong passphrases or recovery keys ({count}). For safety, the next try is possible after {until} (UTC).</source>
        <translation>口令或恢复密钥输错次数过多（{count} 次）。为安全起见，请在 {until}（UTC）之后再试。</translation>
    </message>
    <message>
        <source>This computer has no saved key for the clinic. Enter the clinic passphrase, or set CLINIC_DESK_PASSPHRASE for scripts.</source>
        <translation>本机没有保存这家诊所的密钥。请输入诊所口令；如在脚本中使用，请设置 CLINIC_DESK_PASSPHRASE。</translation>
    </message>
    <message>
        <source>The clinic&apos;s database is damaged ({detail}). Do not keep working in it: restore the latest backup, and keep the damaged file for inspection.</source>
        <translation>诊所数据库已损坏（{detail}）。请不要继续在其中工作：请恢复最近的备份，并保留损坏的文件以便检查。</translation>
    </message>
    <message>
        <source>The disk is full, so nothing was saved. Free some space on the disk that holds the clinic&apos;s data, then try again.</source>
        <translation>磁盘已满，没有保存任何内容。请在存放诊所数据的磁盘上释放一些空间，然后重试。</translation>
    </message>
    <message>
        <source>The clinic&apos;s database is busy with another program for too long. Nothing was saved; try again in a moment.</source>
        <translation>诊所数据库被其他程序占用时间过长，没有保存任何内容。请稍后重试。</translation>
    </message>
    <message>
        <source>This clinic&apos;s data was written by a newer version of ClinicDesk. Install the newer version on this computer before opening it.</source>
        <translation>这家诊所的数据由较新版本的 ClinicDesk 写入。请先在本机安装新版本，再打开数据。</translation>
    </message>
    <message>
        <source>Your role ({role}) may not do this ({action}). Ask the clinic director if you need it.</source>
        <translation>您的角色（{role}）无权执行此操作（{action}）。如有需要，请联系院长。</translation>
    </message>
    <message>
        <source>This record is outside your role. For emergency access, give a reason; it will be recorded and reviewed.</source>
        <translation>此记录不在您的角色权限范围内。如需紧急查看，请填写原因；该操作将被记录并接受审查。</translation>
    </message>
    <message>
        <source>The user name or password is not right. Please try again.</source>
        <translation>用户名或密码不正确，请重试。</translation>
    </message>
    <message>
        <source>This account is locked after too many wrong passwords, until {until}. Wait, or ask the director to unlock it.</source>
        <translation>由于密码输错次数过多，此账号已被锁定至 {until}。请等待，或请院长解锁。</translation>
    </message>
    <message>
        <source>This account has been disabled. Ask the clinic director.</source>
        <translation>此账号已被停用。请联系院长。</translation>
    </message>
    <message>
        <source>That date is too far in the past or the future. Check the year and choose the date again.</source>
        <translation>这个日期太早或太晚。请检查年份，然后重新选择日期。</translation>
    </message>
    <message>
        <source>The {what} was not found. It may have been removed.</source>
        <translation>找不到该{what}，可能已被删除。</translation>
    </message>
    <message>
        <source>The font file {path} that ClinicDesk needs for printing is missing. Reinstall ClinicDesk to restore it.</source>
        <translation>ClinicDesk 打印所需的字体文件 {path} 缺失。请重新安装 ClinicDesk 以恢复该文件。</translation>
    </message>
    <message>
        <source>The font file {path} that ClinicDesk needs for printing is damaged ({detail}). Reinstall ClinicDesk to restore it.</source>
        <translation>ClinicDesk 打印所需的字体文件 {path} 已损坏（{detail}）。请重新安装 ClinicDesk 以恢复该文件。</translation>
    </message>
    <message>
        <source>The password is empty. Type a password.</source>
        <translation>密码为空。请输入密码。</translation>
    </message>
    <message>
        <source>The password is too short: use at least {n} characters.</source>
        <translation>密码太短：请至少使用 {n} 个字符。</translation>
    </message>
    <message>
        <source>The password is too long: use at most {n} characters.</source>
        <translation>密码太长：最多只能使用 {n} 个字符。</translation>
    </message>
    <message>
        <source>The password must not be the same as the user name.</source>
        <translation>密码不能与用户名相同。</translation>
    </message>
    <message>
        <source>The reason is too long: use at most 1000 characters.</source>
        <translation>原因太长：最多只能输入 1000 个字符。</translation>
    </message>
    <message>
        <source>The clinic name is empty. Type the clinic&apos;s name.</source>
        <translation>诊所名称为空。请输入诊所名称。</translation>
    </message>
    <message>
        <source>The clinic name is {length} characters long; use at most {n} characters.</source>
        <translation>诊所名称长度为 {length} 个字符；最多只能使用 {n} 个字符。</translation>
    </message>
    <message>
        <source>The clinic name contains control characters; type it on one line.</source>
        <translation>诊所名称包含控制字符；请在一行内输入。</translation>
    </message>
    <message>
        <source>The two passphrases are not the same. Type the same passphrase twice.</source>
        <translation>两次输入的口令不一致。请输入两次相同的口令。</translation>
    </message>
    <message>
        <source>The name is too long: use at most {n} characters.</source>
        <translation>名称太长：最多只能使用 {n} 个字符。</translation>
    </message>
    <message>
        <source>{path} is not a ClinicDesk backup, or it is damaged. Choose a .cdbak file made by ClinicDesk.</source>
        <translation>{path} 不是 ClinicDesk 备份，或者已损坏。请选择由 ClinicDesk 生成的 .cdbak 文件。</translation>
    </message>
    <message>
        <source>The backup could not be written to {path} ({reason}). Check that the folder exists and has room, then try again.</source>
        <translation>无法将备份写入 {path}（{reason}）。请检查该文件夹是否存在且有足够空间，然后重试。</translation>
    </message>
    <message>
        <source>The backup failed its check.</source>
        <translation>备份未通过校验。</translation>
    </message>
    <message>
        <source>The backup does not match the clinic&apos;s data (tables: {tables}).</source>
        <translation>备份与诊所数据不一致（数据表：{tables}）。</translation>
    </message>
    <message>
        <source>{path} is a folder. Give a file name for the backup, ending in .cdbak.</source>
        <translation>{path} 是一个文件夹。请为备份指定一个以 .cdbak 结尾的文件名。</translation>
    </message>
    <message>
        <source>The folder {path} does not exist. Choose a folder that exists.</source>
        <translation>文件夹 {path} 不存在。请选择一个已有的文件夹。</translation>
    </message>
    <message>
        <source>The backup is damaged and was not restored: {detail}.</source>
        <translation>备份已损坏，未进行恢复：{detail}。</translation>
    </message>
    <message>
        <source>A name is made of letters: remove the emoji or other symbols from it.</source>
        <translation>姓名只能由文字组成：请删除其中的表情符号或其他符号。</translation>
    </message>
    <message>
        <source>The birth date is in the future: check the year and the month.</source>
        <translation>出生日期在将来：请核对年份和月份。</translation>
    </message>
    <message>
        <source>The birth date is more than {years} years ago: check the year.</source>
        <translation>出生日期早于 {years} 年前：请核对年份。</translation>
    </message>
    <message>
        <source>Choose from the offered values.</source>
        <translation>请从提供的选项中选择。</translation>
    </message>
    <message>
        <source>The patient&apos;s name is empty. Type the name.</source>
        <translation>患者姓名为空。请输入姓名。</translation>
    </message>
    <message>
        <source>Choose the patient&apos;s sex.</source>
        <translation>请选择患者性别。</translation>
    </message>
    <message>
        <source>Choose the kind of document the number is from.</source>
        <translation>请选择此号码所属的证件类型。</translation>
    </message>
    <message>
        <source>The birth date does not match the one in the ID number: check both against the card.</source>
        <translation>出生日期与证件号码中的出生日期不符：请对照证件核对两者。</translation>
    </message>
    <message>
        <source>The sex does not match the one in the ID number: check both against the card.</source>
        <translation>性别与证件号码中的性别不符：请对照证件核对两者。</translation>
    </message>
    <message>
        <source>This is not an e-mail address: it looks like name@example.com.</source>
        <translation>这不是有效的电子邮件地址：格式应类似 name@example.com。</translation>
    </message>
    <message>
        <source>A QQ number has 5 to 12 digits and does not start with 0.</source>
        <translation>QQ 号由 5 到 12 位数字组成，且不以 0 开头。</translation>
    </message>
    <message>
        <source>A WeChat ID has 6 to 20 letters, digits, - or _ and starts with a letter; or type the phone number it is linked to.</source>
        <translation>微信号由 6 到 20 个字母、数字、- 或 _ 组成，并以字母开头；也可以输入其绑定的手机号。</translation>
    </message>
    <message>
        <source>Patients are never addressed by the bare full name or a bed number: type a form such as 王教授 or Ms Wong.</source>
        <translation>不能直接用全名或床号称呼患者：请输入称呼，例如“王教授”或“Ms Wong”。</translation>
    </message>
    <message>
        <source>This is too long: use at most {n} characters.</source>
        <translation>内容太长：最多只能使用 {n} 个字符。</translation>
    </message>
    <message>
        <source>The time {when} is in the future. Check the date and time, then try again.</source>
        <translation>时间 {when} 在将来。请检查日期和时间，然后重试。</translation>
    </message>
    <message>
        <source>The date is before 1900. Check the year, then try again.</source>
        <translation>日期早于 1900 年。请检查年份，然后重试。</translation>
    </message>
    <message>
        <source>The date {when} is in the future. Check the date, then try again.</source>
        <translation>日期 {when} 在将来。请检查日期，然后重试。</translation>
    </message>
    <message>
        <source>The reason is empty. Type why this entry no longer applies, for example “entered in error” or “stopped by the doctor”.</source>
        <translation>原因为空。请输入此条目不再适用的原因，例如“录入错误”或“医生已停药”。</translation>
    </message>
    <message>
        <source>The reason is empty. Type why this entry is being corrected.</source>
        <translation>原因为空。请输入更正此条目的原因。</translation>
    </message>
    <message>
        <source>This entry was already ended on {when}. Nothing was changed.</source>
        <translation>此条目已于 {when} 结束，未做任何更改。</translation>
    </message>
    <message>
        <source>This entry has been corrected already, perhaps by someone else. Open the record again and correct its latest version.</source>
        <translation>此条目已被更正过，可能是其他人所为。请重新打开档案，更正其最新版本。</translation>
    </message>
    <message>
        <source>This patient record was merged into another one. Open the other record and add it there.</source>
        <translation>此患者档案已合并到另一份档案中。请打开另一份档案，在那里添加。</translation>
    </message>
    <message>
        <source>That visit belongs to another patient. Choose one of this patient&apos;s visits.</source>
        <translation>该就诊记录属于另一位患者。请选择此患者的就诊记录。</translation>
    </message>
    <message>
        <source>Only a signed-in staff member can write this. Sign in with your own account.</source>
        <translation>只有已登录的员工才能填写此内容。请使用您自己的账号登录。</translation>
    </message>
    <message>
        <source>The chosen doctor is not a staff member of this clinic. Choose another doctor.</source>
        <translation>所选医生不是本诊所的员工。请选择其他医生。</translation>
    </message>
    <message>
        <source>{holder} is already booked from {start} to {end}. Choose another time; the next free times are: {free}.</source>
        <translation>{holder}在 {start} 至 {end} 已有预约。请选择其他时间；接下来的空闲时间为：{free}。</translation>
    </message>
    <message>
        <source>{holder} is already booked from {start} to {end}, and no free time of this length was found in the next {days} days. Try another doctor or a shorter appointment.</source>
        <translation>{holder}在 {start} 至 {end} 已有预约，且在接下来的 {days} 天内找不到这么长的空闲时间。请换一位医生，或缩短预约时长。</translation>
    </message>
    <message>
        <source>Please confirm before saving: {details}</source>
        <translation>保存前请确认：{details}</translation>
    </message>
    <message>
        <source>Bookings for {day} closed at {cutoff} the day before. Only the director can book it now (with a reason); ask them, or choose a later day.</source>
        <translation>{day} 的预约已于前一天 {cutoff} 截止。现在只有院长可以预约（需填写原因）；请联系院长，或选择更晚的日期。</translation>
    </message>
    <message>
        <source>The first-visit information (location, parking, what to bring) has not been written yet. Ask the director to fill it in under Settings, Clinic.</source>
        <translation>尚未填写初诊须知（地址、停车、需携带的物品）。请院长在“设置”的“诊所”页中填写。</translation>
    </message>
    <message>
        <source>The {label} is not a date and time. Pick it again.</source>
        <translation>{label}不是有效的日期和时间。请重新选择。</translation>
    </message>
    <message>
        <source>The {label} has no time zone, so it could mean two different times. Pick it again on the calendar.</source>
        <translation>{label}没有时区，可能对应两个不同的时间。请在日程中重新选择。</translation>
    </message>
    <message>
        <source>The length should be a whole number of minutes.</source>
        <translation>预约时长应为整数分钟。</translation>
    </message>
    <message>
        <source>The appointment ends before or when it starts ({minutes} minutes). Give an end after the start, at least {low} minutes later.</source>
        <translation>预约的结束时间早于或等于开始时间（{minutes} 分钟）。请将结束时间设在开始时间之后，至少相隔 {low} 分钟。</translation>
    </message>
    <message>
        <source>An appointment of {minutes} minutes is too short: use at least {low}.</source>
        <translation>{minutes} 分钟的预约太短：至少应为 {low} 分钟。</translation>
    </message>
    <message>
        <source>An appointment of {minutes} minutes is too long: use at most {high} minutes (12 hours). Book several appointments for longer treatments.</source>
        <translation>{minutes} 分钟的预约太长：最多为 {high} 分钟（12 小时）。时间较长的治疗请分多次预约。</translation>
    </message>
    <message>
        <source>Choose how the booking came in: phone, online, on site, referral or free-clinic event.</source>
        <translation>请选择预约渠道：电话、网上、现场、转介或义诊。</translation>
    </message>
    <message>
        <source>Unknown confirmation: {what}.</source>
        <translation>无法识别的确认项：{what}。</translation>
    </message>
    <message>
        <source>A room or device in the list is not valid.</source>
        <translation>列表中有无效的诊室或设备。</translation>
    </message>
    <message>
        <source>An appointment can hold at most {n} rooms and devices.</source>
        <translation>一个预约最多可占用 {n} 个诊室和设备。</translation>
    </message>
    <message>
        <source>This patient is a member and this purpose counts against the membership&apos;s {benefit} allowance, which is counted one visit at a time. Book each visit on its own (without Repeat), so each one is counted.</source>
        <translation>该患者是会员，此预约类型计入会员的“{benefit}”额度，须逐次计数。请逐次单独预约（不要设为周期预约），以便每次都计入额度。</translation>
    </message>
    <message>
        <source>appointment</source>
        <translation>预约</translation>
    </message>
    <message>
        <source>patient</source>
        <translation>患者</translation>
    </message>
    <message>
        <source>This patient record was merged into another one. Search for the patient again and book on the record that remains.</source>
        <translation>此患者档案已合并到另一份档案中。请重新搜索该患者，并在保留下来的档案上预约。</translation>
    </message>
    <message>
        <source>{name}&apos;s account is disabled, so no new appointments can be made with them. Choose another doctor; their existing appointments stay in the calendar.</source>
        <translation>{name}的账号已停用，无法再为其新增预约。请选择其他医生；其已有的预约仍保留在日程中。</translation>
    </message>
    <message>
        <source>{name} is not open for booking. Choose another doctor, or ask the director to make {name} bookable in the roster.</source>
        <translation>{name}目前不开放预约。请选择其他医生，或请院长在排班中将{name}设为可预约。</translation>
    </message>
    <message>
        <source>That appointment type is no longer offered. Choose another type.</source>
        <translation>该预约类型已不再提供。请选择其他类型。</translation>
    </message>
    <message>
        <source>room or device</source>
        <translation>诊室或设备</translation>
    </message>
    <message>
        <source>{name} is out of use. Choose another room or device.</source>
        <translation>{name}已停用。请选择其他诊室或设备。</translation>
    </message>
    <message>
        <source>The appointment from {start} to {end} runs past midnight. End it by 24:00, or book a second appointment for the next day.</source>
        <translation>{start} 至 {end} 的预约跨过了午夜。请在 24:00 前结束，或为次日另约一次。</translation>
    </message>
    <message>
        <source>{start} is in the past. Book it anyway only to record a visit.</source>
        <translation>{start} 已是过去的时间。只有补录已发生的就诊时，才应仍然预约。</translation>
    </message>
    <message>
        <source>Bookings for {day} closed at {cutoff} the day before. As director you may book anyway: give a reason, it is recorded.</source>
        <translation>{day} 的预约已于前一天 {cutoff} 截止。您是院长，仍可预约：请填写原因，系统会记录在案。</translation>
    </message>
    <message>
        <source>Give a reason for booking after the cutoff; it is kept in the audit log.</source>
        <translation>请填写截止后预约的原因；该原因将记入审计日志。</translation>
    </message>
    <message>
        <source>The clinic is closed on {day} ({why}). Book on that day anyway?</source>
        <translation>诊所 {day} 休诊（{why}）。仍要在当天预约吗？</translation>
    </message>
    <message>
        <source>{start} to {end} is outside {name}&apos;s working hours that day ({hours}). Book anyway?</source>
        <translation>{start} 至 {end} 不在{name}当天的出诊时间内（{hours}）。仍要预约吗？</translation>
    </message>
    <message>
        <source>This patient already has an appointment from {start} to {end} with {doctor}. Book both anyway?</source>
        <translation>该患者在 {start} 至 {end} 已有{doctor}的预约。仍要同时保留两个预约吗？</translation>
    </message>
    <message>
        <source>{start} is held for members with priority booking until {opens}; from that day it is open to everyone. This patient is not such a member: book the held time anyway?</source>
        <translation>{start} 是为享有优先预约的会员预留的号源，{opens} 起对所有人开放。该患者不是此类会员：仍要预约此预留号源吗？</translation>
    </message>
    <message>
        <source>Bookings are real-name: check the patient&apos;s identity document (or confirm name and ID number on the phone), then tick &quot;Identity checked&quot;.</source>
        <translation>预约实行实名制：请核对患者的身份证件（电话预约时请核实姓名和证件号码），然后勾选“已核对患者身份”。</translation>
    </message>
    <message>
        <source>This appointment is {status} and can no longer be moved. Book a new one instead.</source>
        <translation>此预约的状态为“{status}”，已无法调整。请改为新建预约。</translation>
    </message>
    <message>
        <source>Someone changed this appointment a moment ago. Look at it again, then move it.</source>
        <translation>刚才有人修改了此预约。请重新查看后再调整。</translation>
    </message>
    <message>
        <source>An appointment that is {current} cannot become {new}. Refresh the calendar and check its status.</source>
        <translation>状态为“{current}”的预约不能改为“{new}”。请刷新日程并检查其状态。</translation>
    </message>
    <message>
        <source>An arrival can only be undone on the same day. Ask the director to correct older records.</source>
        <translation>到诊只能在当天撤销。较早的记录请联系院长更正。</translation>
    </message>
    <message>
        <source>This patient is number {number} in today&apos;s queue. At Reception, mark them as left without being seen first, then undo the arrival.</source>
        <translation>该患者是今天候诊队列中的 {number} 号。请先在“前台”将其标记为“未就诊离开”，再撤销到诊。</translation>
    </message>
    <message>
        <source>visit</source>
        <translation>就诊记录</translation>
    </message>
    <message>
        <source>allergy</source>
        <translation>过敏记录</translation>
    </message>
    <message>
        <source>medication</source>
        <translation>用药记录</translation>
    </message>
    <message>
        <source>condition</source>
        <translation>疾病记录</translation>
    </message>
    <message>
        <source>vital signs</source>
        <translation>生命体征记录</translation>
    </message>
    <message>
        <source>attachment</source>
        <translation>附件</translation>
    </message>
    <message>
        <source>assessment</source>
        <translation>评估记录</translation>
    </message>
    <message>
        <source>clinical note</source>
        <translation>临床记录</translation>
    </message>
    <message>
        <source>The substance is empty. Type what the patient is allergic to.</source>
        <translation>过敏原为空。请输入患者对什么过敏。</translation>
    </message>
    <message>
        <source>Choose how severe the allergy is (choose “unknown” if nobody knows).</source>
        <translation>请选择过敏的严重程度（如果无人知道，请选择“未知”）。</translation>
    </message>
    <message>
        <source>{substance} is already on the patient&apos;s allergy list. If that entry is wrong, end it first, then add the new one.</source>
        <translation>{substance} 已在患者的过敏列表中。如果该条目有误，请先将其结束，再添加新的条目。</translation>
    </message>
    <message>
        <source>The medicine is empty. Type the name of the medicine the patient takes.</source>
        <translation>药品为空。请输入患者正在服用的药品名称。</translation>
    </message>
    <message>
        <source>Choose where the medication information comes from.</source>
        <translation>请选择用药信息的来源。</translation>
    </message>
    <message>
        <source>The condition is empty. Type the name of the condition, for example 高血压.</source>
        <translation>疾病名称为空。请输入疾病名称，例如“高血压”。</translation>
    </message>
    <message>
        <source>Choose the kind of visit from the list.</source>
        <translation>请从列表中选择就诊类型。</translation>
    </message>
    <message>
        <source>The visit is empty. Type at least the complaint, the findings, the diagnosis or the plan.</source>
        <translation>就诊记录为空。请至少填写主诉、检查所见、诊断或处理中的一项。</translation>
    </message>
    <message>
        <source>The note is empty. Type the note.</source>
        <translation>备注为空。请输入备注内容。</translation>
    </message>
    <message>
        <source>No measurement was typed. Type at least one, for example the blood pressure.</source>
        <translation>未输入任何测量值。请至少输入一项，例如血压。</translation>
    </message>
    <message>
        <source>The title is empty. Type what the document is, for example “Blood test”.</source>
        <translation>标题为空。请输入文档名称，例如“血液检查”。</translation>
    </message>
    <message>
        <source>The file is empty (0 bytes). Choose the file again, or scan the document again.</source>
        <translation>文件为空（0 字节）。请重新选择文件，或重新扫描文档。</translation>
    </message>
    <message>
        <source>The file is {size} MB, larger than the limit of {limit} MB. Make it smaller (for example, scan at a lower resolution), or ask the director to raise the limit in the settings.</source>
        <translation>文件大小为 {size} MB，超过了 {limit} MB 的上限。请缩小文件（例如以较低分辨率扫描），或请院长在设置中提高上限。</translation>
    </message>
    <message>
        <source>Choose what kind of document this is.</source>
        <translation>请选择文档类型。</translation>
    </message>
    <message>
        <source>The file type “{mime}” is not valid. Leave it empty to detect it from the name.</source>
        <translation>文件类型“{mime}”无效。留空即可根据文件名自动识别。</translation>
    </message>
    <message>
        <source>The assessment summary is empty. Type what the assessment found.</source>
        <translation>评估摘要为空。请输入评估结果。</translation>
    </message>
    <message>
        <source>The kind of assessment is empty. Type it, for example “general”.</source>
        <translation>评估类型为空。请输入类型，例如“一般”。</translation>
    </message>
    <message>
        <source>Choose the risk level from the list, or leave it empty.</source>
        <translation>请从列表中选择风险等级，或留空。</translation>
    </message>
    <message>
        <source>A patient with this ID number is already registered. Open that record instead of registering again.</source>
        <translation>已有使用此证件号码登记的患者。请打开该档案，不要重复登记。</translation>
    </message>
    <message>
        <source>A patient with the same name, birth date and phone is already registered. Open that record, or confirm this is a different person.</source>
        <translation>已有姓名、出生日期和电话都相同的患者登记。请打开该档案，或确认这是另一个人。</translation>
    </message>
    <message>
        <source>This record was merged into another one. Open that record to change the patient&apos;s details.</source>
        <translation>此档案已合并到另一份档案中。请打开那份档案修改患者信息。</translation>
    </message>
    <message>
        <source>The note should be text.</source>
        <translation>备注应为文本。</translation>
    </message>
    <message>
        <source>The note contains invisible control characters. Type it again, or paste it as plain text.</source>
        <translation>备注中含有不可见的控制字符。请重新输入，或以纯文本方式粘贴。</translation>
    </message>
    <message>
        <source>The date of death should be a date.</source>
        <translation>死亡日期应为日期。</translation>
    </message>
    <message>
        <source>That date is too long ago. Check the year.</source>
        <translation>该日期过早，请检查年份。</translation>
    </message>
    <message>
        <source>The date of death ({day}) cannot be in the future. Check the date.</source>
        <translation>死亡日期（{day}）不能晚于今天。请检查日期。</translation>
    </message>
    <message>
        <source>The date of death ({day}) is before the birth date ({birth}). Check both dates.</source>
        <translation>死亡日期（{day}）早于出生日期（{birth}）。请检查这两个日期。</translation>
    </message>
    <message>
        <source>Say whether the patient wants calls and whether they want messages.</source>
        <translation>请说明患者是否愿意接听电话，以及是否愿意接收消息。</translation>
    </message>
    <message>
        <source>Say why these two records are the same patient (at least 4 characters).</source>
        <translation>请说明为什么这两份档案是同一位患者（至少 4 个字符）。</translation>
    </message>
    <message>
        <source>Choose two different records to merge.</source>
        <translation>请选择两份不同的档案进行合并。</translation>
    </message>
    <message>
        <source>One of these records was already merged. Search again and choose the current record.</source>
        <translation>其中一份档案已被合并。请重新搜索并选择当前档案。</translation>
    </message>
    <message>
        <source>The note is too long: use at most {n} characters.</source>
        <translation>备注太长：最多只能使用 {n} 个字符。</translation>
    </message>
    <message>
        <source>Choose how you contacted the patient.</source>
        <translation>请选择联系患者的方式。</translation>
    </message>
    <message>
        <source>Choose whether the patient contacted us or we contacted them.</source>
        <translation>请选择是患者联系我们，还是我们联系患者。</translation>
    </message>
    <message>
        <source>The summary is empty. Write what was said or agreed.</source>
        <translation>摘要为空。请填写沟通或约定的内容。</translation>
    </message>
    <message>
        <source>The summary is too long: use at most {n} characters.</source>
        <translation>摘要太长：最多只能使用 {n} 个字符。</translation>
    </message>
    <message>
        <source>There is no setting called {key}.</source>
        <translation>不存在名为 {key} 的设置项。</translation>
    </message>
    <message>
        <source>The user name is empty. Type one.</source>
        <translation>用户名为空。请输入用户名。</translation>
    </message>
    <message>
        <source>The user name is too long: use at most {n} characters.</source>
        <translation>用户名太长：最多只能使用 {n} 个字符。</translation>
    </message>
    <message>
        <source>A user name may use only letters a-z, digits and . _ - @ (for example zhang.li). Put the person&apos;s name in Chinese in the display name.</source>
        <translation>用户名只能使用字母 a-z、数字以及 . _ - @（例如 zhang.li）。中文姓名请填写在“姓名”中。</translation>
    </message>
    <message>
        <source>The name is empty. Type the person&apos;s name.</source>
        <translation>姓名为空。请输入此人的姓名。</translation>
    </message>
    <message>
        <source>There is no role called {role}.</source>
        <translation>不存在名为 {role} 的角色。</translation>
    </message>
    <message>
        <source>The user name {login} is taken. Choose another user name.</source>
        <translation>用户名 {login} 已被使用。请换一个用户名。</translation>
    </message>
    <message>
        <source>{text} is not a time of day. Type hours and minutes from 00:00 to 24:00, such as 08:30.</source>
        <translation>{text} 不是有效的时间。请输入 00:00 至 24:00 之间的小时和分钟，例如 08:30。</translation>
    </message>
    <message>
        <source>{color} is not a colour code. Use # and six hexadecimal digits, such as #3A7BD5, or leave it empty.</source>
        <translation>{color} 不是有效的颜色代码。请使用 # 加六位十六进制数字，例如 #3A7BD5，或留空。</translation>
    </message>
    <message>
        <source>The plan&apos;s steps should be a list of steps.</source>
        <translation>方案的步骤应为一个步骤列表。</translation>
    </message>
    <message>
        <source>A plan needs at least one step. Add a step, or switch the plan off instead.</source>
        <translation>方案至少需要一个步骤。请添加步骤，或改为停用该方案。</translation>
    </message>
    <message>
        <source>A plan has at most {n} steps. Remove some steps.</source>
        <translation>一个方案最多 {n} 个步骤。请删除部分步骤。</translation>
    </message>
    <message>
        <source>Step {n} is not a plan step.</source>
        <translation>第 {n} 步不是有效的方案步骤。</translation>
    </message>
    <message>
        <source>Step {n}: the days after the visit and the days allowed should each be a whole number from 0 to {top}.</source>
        <translation>第 {n} 步：就诊后天数和可用天数都应为 0 到 {top} 之间的整数。</translation>
    </message>
    <message>
        <source>Step {n}: choose how the patient is contacted.</source>
        <translation>第 {n} 步：请选择联系患者的方式。</translation>
    </message>
    <message>
        <source>Step {n}: choose who makes the contact.</source>
        <translation>第 {n} 步：请选择回访人。</translation>
    </message>
    <message>
        <source>Step {n}: the level should be a whole number from 0 to {top}.</source>
        <translation>第 {n} 步：级别应为 0 到 {top} 之间的整数。</translation>
    </message>
    <message>
        <source>Say whether the plan is in use.</source>
        <translation>请说明该方案是否启用。</translation>
    </message>
    <message>
        <source>This complaint is closed. Reopen it (with a reason) to change it.</source>
        <translation>此投诉已结案。如需修改，请先重新打开（须说明原因）。</translation>
    </message>
    <message>
        <source>This cannot be empty. Type it in, then try again.</source>
        <translation>此项不能为空。请填写后重试。</translation>
    </message>
    <message>
        <source>Only a signed-in staff member can do this. Sign in with your own account.</source>
        <translation>只有已登录的员工才能执行此操作。请使用您自己的账号登录。</translation>
    </message>
    <message>
        <source>The case still names the patient or the complainant. Remove names, phone numbers and ID numbers: cases are anonymised.</source>
        <translation>案例中仍有患者或投诉人的姓名。请删除姓名、电话号码和证件号码：案例须匿名。</translation>
    </message>
    <message>
        <source>The case still holds a phone number. Remove names, phone numbers and ID numbers: cases are anonymised.</source>
        <translation>案例中仍有电话号码。请删除姓名、电话号码和证件号码：案例须匿名。</translation>
    </message>
    <message>
        <source>The case still holds an ID number or a record number. Remove names, phone numbers and ID numbers: cases are anonymised.</source>
        <translation>案例中仍有证件号码或病历号。请删除姓名、电话号码和证件号码：案例须匿名。</translation>
    </message>
    <message>
        <source>Note {note}: {problem}</source>
        <translation>第 {note} 条意见：{problem}</translation>
    </message>
    <message>
        <source>This should be text.</source>
        <translation>此处应为文本。</translation>
    </message>
    <message>
        <source>This text contains invisible control characters. Type it again, or paste it as plain text.</source>
        <translation>此文本中含有不可见的控制字符。请重新输入，或以纯文本方式粘贴。</translation>
    </message>
    <message>
        <source>“{value}” is not one of the choices. Choose one of: {choices}.</source>
        <translation>“{value}”不是可选项。请从以下选项中选择：{choices}。</translation>
    </message>
    <message>
        <source>This should be a date and a time.</source>
        <translation>此处应为日期和时间。</translation>
    </message>
    <message>
        <source>The time has no time zone, so it could be read two ways. Give the time with its time zone.</source>
        <translation>该时间没有时区，可能有两种理解。请填写带时区的时间。</translation>
    </message>
    <message>
        <source>The time {when} is too far back (before {limit}). Check the date, then try again.</source>
        <translation>时间 {when} 太早（早于 {limit}）。请检查日期后重试。</translation>
    </message>
    <message>
        <source>This should be a calendar date.</source>
        <translation>此处应为日期。</translation>
    </message>
    <message>
        <source>Choose a staff member.</source>
        <translation>请选择一名员工。</translation>
    </message>
    <message>
        <source>That staff member does not exist or their account is disabled. Choose someone who works here now.</source>
        <translation>该员工不存在或其账号已停用。请选择目前在职的员工。</translation>
    </message>
    <message>
        <source>That staff member is not on the staff list. Choose another.</source>
        <translation>该员工不在员工名单中。请另选一人。</translation>
    </message>
    <message>
        <source>complaint</source>
        <translation>投诉</translation>
    </message>
    <message>
        <source>This is not a complaint entry.</source>
        <translation>这不是投诉记录。</translation>
    </message>
    <message>
        <source>Who is complaining? Type the complainant&apos;s name (only suggestion-box notes may be anonymous).</source>
        <translation>投诉人是谁？请输入投诉人姓名（只有意见箱中的意见可以匿名）。</translation>
    </message>
    <message>
        <source>The box was opened too long ago ({when}). Check the date.</source>
        <translation>开箱日期（{when}）距今太久。请检查日期。</translation>
    </message>
    <message>
        <source>There are {count} notes; enter at most {n} at a time. Split the batch.</source>
        <translation>共有 {count} 条意见；每次最多录入 {n} 条。请分批录入。</translation>
    </message>
    <message>
        <source>Every note is blank. Type what the notes say, then save.</source>
        <translation>所有意见均为空。请填写意见内容后保存。</translation>
    </message>
    <message>
        <source>This complaint was accepted already. Nothing changed.</source>
        <translation>此投诉已受理，未做任何更改。</translation>
    </message>
    <message>
        <source>The due day {when} has passed. Choose today or a later day.</source>
        <translation>截止日期 {when} 已过。请选择今天或之后的日期。</translation>
    </message>
    <message>
        <source>No rectification was set for this complaint. Set one first.</source>
        <translation>此投诉尚未设定整改。请先设定整改。</translation>
    </message>
    <message>
        <source>{name} owns this complaint already. Choose someone else.</source>
        <translation>此投诉已由{name}负责。请选择其他人。</translation>
    </message>
    <message>
        <source>Nothing was changed. Change a field, then save.</source>
        <translation>未做任何更改。请修改至少一个栏位后再保存。</translation>
    </message>
    <message>
        <source>The complainant has not had a reply yet. Record the reply (when and how), then close the complaint.</source>
        <translation>尚未回复投诉人。请先登记回复（时间和方式），再结案。</translation>
    </message>
    <message>
        <source>This anonymous note cannot be replied to. Write a closing note saying what was done, then close it.</source>
        <translation>此匿名意见无法回复。请填写结案备注，说明已做的处理，然后结案。</translation>
    </message>
    <message>
        <source>The rectification is not done yet. Record it as done, then close the complaint.</source>
        <translation>整改尚未完成。请先登记整改完成，再结案。</translation>
    </message>
    <message>
        <source>This complaint is open already. Nothing changed.</source>
        <translation>此投诉目前未结案，未做任何更改。</translation>
    </message>
    <message>
        <source>This complaint was not escalated. There is nothing to mark as seen.</source>
        <translation>此投诉未上报院长，无需标记为已阅。</translation>
    </message>
    <message>
        <source>A training case was made from this complaint already. Open it in the training library instead.</source>
        <translation>此投诉已加入培训案例库。请在培训案例库中打开该案例。</translation>
    </message>
    <message>
        <source>Give at most {n} whys, one per line.</source>
        <translation>最多填写 {n} 个“为什么”，每行一个。</translation>
    </message>
    <message>
        <source>A why in the middle is empty. Fill it in or remove it.</source>
        <translation>中间有一个“为什么”为空。请填写或删除。</translation>
    </message>
    <message>
        <source>To finish the analysis, give at least one why, the root cause and the actions.</source>
        <translation>要完成分析，请至少填写一个“为什么”，以及根本原因和改进措施。</translation>
    </message>
    <message>
        <source>root-cause analysis</source>
        <translation>根因分析</translation>
    </message>
    <message>
        <source>staff member</source>
        <translation>员工</translation>
    </message>
    <message>
        <source>{name}&apos;s role does not make follow-up calls. Choose someone else, or leave the task to the pool.</source>
        <translation>{name}的角色不负责回访。请选择其他人，或将任务留在公共任务池中。</translation>
    </message>
    <message>
        <source>follow-up task</source>
        <translation>回访任务</translation>
    </message>
    <message>
        <source>This follow-up is already {status}, so it cannot be changed. Refresh the list.</source>
        <translation>此回访当前状态为“{status}”，无法修改。请刷新列表。</translation>
    </message>
    <message>
        <source>Choose whose follow-ups to show: mine, my role&apos;s, or all.</source>
        <translation>请选择要显示谁的回访：我的、我所在角色的，或全部。</translation>
    </message>
    <message>
        <source>Choose the kinds of follow-up to show.</source>
        <translation>请选择要显示的回访类型。</translation>
    </message>
    <message>
        <source>Say what the follow-up is for (for example: pass on the test result).</source>
        <translation>请说明回访的事由（例如：告知检查结果）。</translation>
    </message>
    <message>
        <source>The last day ({last}) is before the first day ({first}). Swap them.</source>
        <translation>结束日期（{last}）早于开始日期（{first}）。请将两者对调。</translation>
    </message>
    <message>
        <source>Choose days from today to at most {n} days ahead, for a window of at most {n} days.</source>
        <translation>请选择从今天起最多 {n} 天内的日期，时间范围最长 {n} 天。</translation>
    </message>
    <message>
        <source>Choose how the patient is contacted.</source>
        <translation>请选择联系患者的方式。</translation>
    </message>
    <message>
        <source>Choose who makes the contact.</source>
        <translation>请选择回访人。</translation>
    </message>
    <message>
        <source>This patient is recorded as deceased, so no follow-up is added.</source>
        <translation>该患者已登记为死亡，不能添加回访。</translation>
    </message>
    <message>
        <source>This patient asked not to be contacted this way. Choose another way, or change the patient&apos;s contact choices first.</source>
        <translation>该患者要求不以此方式联系。请选择其他方式，或先修改患者的联系偏好。</translation>
    </message>
    <message>
        <source>Choose why the follow-up is closed.</source>
        <translation>请选择关闭回访的原因。</translation>
    </message>
    <message>
        <source>The satisfaction answers should be scores per question.</source>
        <translation>满意度回答应为每个问题的评分。</translation>
    </message>
    <message>
        <source>There is no satisfaction question “{key}”. Use the questions given.</source>
        <translation>没有满意度问题“{key}”。请使用给定的问题。</translation>
    </message>
    <message>
        <source>Each satisfaction answer is a score from 1 (poor) to 5 (very good).</source>
        <translation>每项满意度评分应为 1（差）到 5（很好）之间的分数。</translation>
    </message>
    <message>
        <source>Choose how the call went: reached, no answer, wrong number or refused.</source>
        <translation>请选择回访结果：已联系上、无人接听、号码错误或拒绝交谈。</translation>
    </message>
    <message>
        <source>Choose how the patient was contacted.</source>
        <translation>请选择联系患者所用的方式。</translation>
    </message>
    <message>
        <source>Choose how the patient is recovering.</source>
        <translation>请选择患者的康复情况。</translation>
    </message>
    <message>
        <source>Choose how the patient takes the medication.</source>
        <translation>请选择患者的用药情况。</translation>
    </message>
    <message>
        <source>Say whether the nurse&apos;s and the doctor&apos;s follow-ups took place.</source>
        <translation>请说明护士和医生的回访是否已完成。</translation>
    </message>
    <message>
        <source>Say whether the patient confirmed the appointment.</source>
        <translation>请说明患者是否已确认预约。</translation>
    </message>
    <message>
        <source>The survey answers should be given per question.</source>
        <translation>调查回答应按题目逐一填写。</translation>
    </message>
    <message>
        <source>Nobody was reached, so the call has no answers. Choose “reached”, or clear the answers and keep only the notes.</source>
        <translation>没有联系上患者，因此本次回访不应有回答内容。请选择“已联系上”，或清除回答，仅保留备注。</translation>
    </message>
    <message>
        <source>Write the suggestion to forward to {department}, or do not forward.</source>
        <translation>请填写要抄告{department}的建议，或不抄告。</translation>
    </message>
    <message>
        <source>follow-up call</source>
        <translation>电话回访</translation>
    </message>
    <message>
        <source>Survey answers are recorded on a satisfaction survey call only.</source>
        <translation>调查回答只能在满意度调查电话中记录。</translation>
    </message>
    <message>
        <source>The patient refused the survey, so the call has no answers. Choose “reached”, or clear the answers.</source>
        <translation>患者拒绝了调查，因此本次电话不应有回答。请选择“已联系上”，或清除回答。</translation>
    </message>
    <message>
        <source>Only a confirmation call that reached the patient can confirm the appointment.</source>
        <translation>只有已联系上患者的预约确认电话才能确认预约。</translation>
    </message>
    <message>
        <source>Ask whether the nurse and the doctor followed up, and record the answer.</source>
        <translation>请询问护士和医生是否已回访，并记录回答。</translation>
    </message>
    <message>
        <source>That date range is too long: choose at most {n} days at a time.</source>
        <translation>日期范围太长：每次最多选择 {n} 天。</translation>
    </message>
    <message>
        <source>Choose how the call was: good, acceptable or poor.</source>
        <translation>请选择本次回访的质量：好、一般或差。</translation>
    </message>
    <message>
        <source>You made this call, so you cannot check it yourself. Ask another supervisor to check it.</source>
        <translation>这通电话是您打的，不能由您本人抽查。请另一位主管抽查。</translation>
    </message>
    <message>
        <source>Choose which forwarded suggestions to show.</source>
        <translation>请选择要显示哪些抄告的建议。</translation>
    </message>
    <message>
        <source>Write the department&apos;s answer to the suggestion.</source>
        <translation>请填写科室对该建议的答复。</translation>
    </message>
    <message>
        <source>forwarded suggestion</source>
        <translation>抄告的建议</translation>
    </message>
    <message>
        <source>This suggestion has been answered already. Refresh the list.</source>
        <translation>该建议已答复。请刷新列表。</translation>
    </message>
    <message>
        <source>Choose whether to count per department or per doctor.</source>
        <translation>请选择按科室还是按医生统计。</translation>
    </message>
    <message>
        <source>{where}: give the start and end as times of day, such as 08:30.</source>
        <translation>{where}：请以时间格式填写开始和结束时间，例如 08:30。</translation>
    </message>
    <message>
        <source>{where}: {span} is outside the day. Times run from 00:00 to 24:00.</source>
        <translation>{where}：{span} 超出了一天的范围。时间应在 00:00 至 24:00 之间。</translation>
    </message>
    <message>
        <source>{where}: {span} ends before it starts or has no length. Make the end later than the start; hours past midnight belong to the next day.</source>
        <translation>{where}：{span} 的结束时间早于或等于开始时间。请让结束时间晚于开始时间；午夜之后的时间属于第二天。</translation>
    </message>
    <message>
        <source>The roster should be a list of working hours and breaks.</source>
        <translation>排班应由出诊时段和休息时段组成。</translation>
    </message>
    <message>
        <source>A weekly roster has at most {n} blocks; join some of them.</source>
        <translation>每周排班最多 {n} 个时段；请合并其中一些。</translation>
    </message>
    <message>
        <source>There is no weekday {weekday}: use 0 for Monday up to 6 for Sunday.</source>
        <translation>不存在星期代码 {weekday}：请用 0 表示周一，依次到 6 表示周日。</translation>
    </message>
    <message>
        <source>A roster block is working hours or a break, not {kind}.</source>
        <translation>排班时段只能是出诊时段或休息时段，不能是“{kind}”。</translation>
    </message>
    <message>
        <source>On {weekday}, the working hours {first} and {second} overlap. Join them into one block or change one of them.</source>
        <translation>{weekday}的出诊时段 {first} 与 {second} 重叠。请合并为一个时段，或修改其中一个。</translation>
    </message>
    <message>
        <source>On {weekday}, the break {span} is not inside the working hours. A break must fall within working hours; add the hours first.</source>
        <translation>{weekday}的休息时段 {span} 不在出诊时段内。休息时段必须位于出诊时段之内；请先添加出诊时段。</translation>
    </message>
    <message>
        <source>staff account</source>
        <translation>员工账号</translation>
    </message>
    <message>
        <source>{name} is a {role}. Only doctors and health managers have rosters and take appointments; change the role on the staff page first.</source>
        <translation>{name}的角色是{role}。只有医生和健康管理师才有排班并接受预约；请先在员工页面修改其角色。</translation>
    </message>
    <message>
        <source>Record an absence or a substitution on the absence screen: it also lists the patients to contact.</source>
        <translation>请在停诊页面登记停诊或换人（代诊）：该页面还会列出需要联系的患者。</translation>
    </message>
    <message>
        <source>A roster change is a day off or extra hours, not {kind}.</source>
        <translation>排班调整只能是休息或加诊，不能是“{kind}”。</translation>
    </message>
    <message>
        <source>Give the start and end time of the extra hours.</source>
        <translation>请填写加诊的开始和结束时间。</translation>
    </message>
    <message>
        <source>roster change</source>
        <translation>排班调整</translation>
    </message>
    <message>
        <source>This absence was recorded on the absence screen; cancel it there so the patients&apos; contact list stays right.</source>
        <translation>此停诊是在停诊页面登记的；请在该页面取消，以保证患者联系名单准确。</translation>
    </message>
    <message>
        <source>The clinic is already marked closed on {day}. Change or remove that closure instead.</source>
        <translation>诊所 {day} 已标记为休诊。请修改或删除该休诊安排。</translation>
    </message>
    <message>
        <source>closure</source>
        <translation>休诊安排</translation>
    </message>
    <message>
        <source>A resource is a room or a device, not {kind}.</source>
        <translation>资源只能是诊室或设备，不能是“{kind}”。</translation>
    </message>
    <message>
        <source>There is already a room or device called {name}. Choose another name.</source>
        <translation>已有名为“{name}”的诊室或设备。请换一个名称。</translation>
    </message>
    <message>
        <source>{count} upcoming appointments still need {name}. Move them to another room or device first, then take it off the calendar.</source>
        <translation>仍有 {count} 个即将到来的预约需要使用{name}。请先将这些预约改到其他诊室或设备，再将其从日程中移除。</translation>
    </message>
    <message>
        <source>The usual length must be a whole number of minutes from {low} to {high}; {value} is not.</source>
        <translation>默认时长必须是 {low} 至 {high} 之间的整数分钟；{value} 不符合要求。</translation>
    </message>
    <message>
        <source>{value} is not a membership benefit a booking can count against. Choose one from the list, or none.</source>
        <translation>{value} 不是预约可计入的会员权益。请从列表中选择，或选择“无”。</translation>
    </message>
    <message>
        <source>Choose the rooms and devices from the list.</source>
        <translation>请从列表中选择诊室和设备。</translation>
    </message>
    <message>
        <source>An appointment type can need at most {n} rooms and devices.</source>
        <translation>一个预约类型最多可需要 {n} 个诊室和设备。</translation>
    </message>
    <message>
        <source>One of the chosen rooms or devices no longer exists or is off the calendar. Choose them again.</source>
        <translation>所选的诊室或设备中有一个已不存在或已从日程中移除。请重新选择。</translation>
    </message>
    <message>
        <source>There is already an appointment type called {name}. Choose another name.</source>
        <translation>已有名为“{name}”的预约类型。请换一个名称。</translation>
    </message>
    <message>
        <source>appointment type</source>
        <translation>预约类型</translation>
    </message>
    <message>
        <source>This is the only active director account; the clinic would have no one to manage it. Make another director first.</source>
        <translation>这是唯一一个启用中的院长账号；如果更改，诊所将无人管理。请先设置另一名院长。</translation>
    </message>
    <message>
        <source>Choose a new password, not the current one.</source>
        <translation>请设置一个新密码，不能与当前密码相同。</translation>
    </message>
    <message>
        <source>{label}: type a whole number.</source>
        <translation>{label}：请输入整数。</translation>
    </message>
    <message>
        <source>{label}: choose a number from {minimum} to {maximum}.</source>
        <translation>{label}：请输入 {minimum} 到 {maximum} 之间的数字。</translation>
    </message>
    <message>
        <source>{label}: choose yes or no.</source>
        <translation>{label}：请选择“是”或“否”。</translation>
    </message>
    <message>
        <source>{label}: type a time as HH:MM, e.g. 16:00.</source>
        <translation>{label}：请按 HH:MM 格式输入时间，例如 16:00。</translation>
    </message>
    <message>
        <source>{label}: choose one of the offered values.</source>
        <translation>{label}：请从提供的选项中选择一个。</translation>
    </message>
    <message>
        <source>{value} is not a time zone. Choose one such as Asia/Shanghai.</source>
        <translation>{value} 不是有效的时区。请选择一个时区，例如 Asia/Shanghai。</translation>
    </message>
    <message>
        <source>{label}: use at most {n} characters.</source>
        <translation>{label}：最多只能使用 {n} 个字符。</translation>
    </message>
    <message>
        <source>Messages cannot start being sent after the time they stop. Make &apos;send from&apos; earlier than &apos;send until&apos;.</source>
        <translation>消息的开始发送时间不能晚于停止发送时间。请将“发送开始时间”设得早于“发送截止时间”。</translation>
    </message>
    <message>
        <source>{path} is a file, not a folder. Choose a folder for the clinic&apos;s data.</source>
        <translation>{path} 是文件，不是文件夹。请为诊所数据选择一个文件夹。</translation>
    </message>
    <message>
        <source>The folder {path} does not exist. Check the path and try again.</source>
        <translation>文件夹 {path} 不存在。请检查路径后重试。</translation>
    </message>
    <message>
        <source>The folder {path} cannot be created ({reason}). Choose a folder you may write to.</source>
        <translation>无法创建文件夹 {path}（{reason}）。请选择一个您有写入权限的文件夹。</translation>
    </message>
    <message>
        <source>{path} is on a network drive ({fs}). The clinic&apos;s database must be on this computer&apos;s own disk; to share data between computers, set up sync instead.</source>
        <translation>{path} 位于网络驱动器上（{fs}）。诊所数据库必须保存在本机自己的磁盘上；如需在多台电脑之间共享数据，请改为设置同步。</translation>
    </message>
    <message>
        <source>ClinicDesk cannot write in {path} ({reason}). Choose a folder on this computer that you may write to.</source>
        <translation>ClinicDesk 无法写入 {path}（{reason}）。请在本机上选择一个您有写入权限的文件夹。</translation>
    </message>
    <message>
        <source>The computer reported a problem with a file: {reason}. Check the disk and the folder&apos;s permissions, then try again.</source>
        <translation>电脑报告文件出现问题：{reason}。请检查磁盘和文件夹权限，然后重试。</translation>
    </message>
    <message>
        <source>Something went wrong and the action was not completed. The details are in the log file; please tell the person who looks after the clinic&apos;s computers.</source>
        <translation>出现问题，操作未能完成。详细信息已记录在日志文件中；请告知负责诊所电脑维护的人员。</translation>
    </message>
    <message>
        <source>ClinicDesk</source>
        <translation>ClinicDesk</translation>
    </message>
    <message>
        <source>The number of demo patients must be between 0 and {n}.</source>
        <translation>演示患者数量必须在 0 到 {n} 之间。</translation>
    </message>
    <message>
        <source>The demo period must be more than 0 and at most {n} years.</source>
        <translation>演示时间跨度必须大于 0 年且不超过 {n} 年。</translation>
    </message>
    <message>
        <source>The demo visits per year must be between 0 and {n}.</source>
        <translation>每年的演示就诊次数必须在 0 到 {n} 之间。</translation>
    </message>
    <message>
        <source>The clinic has no active doctor to write the demo visits. Add a doctor first.</source>
        <translation>诊所没有启用中的医生来记录演示就诊。请先添加一名医生。</translation>
    </message>
    <message>
        <source>Type the document number.</source>
        <translation>请输入证件号码。</translation>
    </message>
    <message>
        <source>This is too long for a document number: type only the number printed on the document.</source>
        <translation>证件号码过长：请只输入证件上印的号码。</translation>
    </message>
    <message>
        <source>A document number has only letters and digits (spaces, hyphens and brackets are ignored): remove the other characters and check the number on the document.</source>
        <translation>证件号码只包含字母和数字（空格、连字符和括号会被忽略）：请删除其他字符，并核对证件上的号码。</translation>
    </message>
    <message>
        <source>Choose the kind of document first.</source>
        <translation>请先选择证件类型。</translation>
    </message>
    <message>
        <source>A resident ID number has 18 characters: 17 digits, then a digit or X (cards from before 2004 may have 15 digits). Check the number on the card.</source>
        <translation>居民身份证号码共 18 位：前 17 位为数字，最后一位为数字或 X（2004 年以前的证件可能是 15 位）。请核对证件上的号码。</translation>
    </message>
    <message>
        <source>A Hong Kong ID number is one or two letters, six digits and a check digit or A in brackets, for example A123456(3). Check the number on the card.</source>
        <translation>香港身份证号码由一或两个字母、六位数字和括号中的校验码（数字或 A）组成，例如 A123456(3)。请核对证件上的号码。</translation>
    </message>
    <message>
        <source>A Taiwan ID number is one letter and nine digits, for example A123456789. Check the number on the card.</source>
        <translation>台湾身份证号码由一个字母和九位数字组成，例如 A123456789。请核对证件上的号码。</translation>
    </message>
    <message>
        <source>A Macau ID number is 1, 5 or 7, six more digits and a check digit in brackets, for example 1234567(8). Check the number on the card.</source>
        <translation>澳门身份证号码以 1、5 或 7 开头，后接六位数字和括号中的校验码，例如 1234567(8)。请核对证件上的号码。</translation>
    </message>
    <message>
        <source>A Home Return Permit number is H or M followed by 8 digits (older permits add 2 more digits). Check the number on the permit.</source>
        <translation>港澳居民来往内地通行证号码为 H 或 M 加 8 位数字（旧证另有 2 位数字）。请核对通行证上的号码。</translation>
    </message>
    <message>
        <source>A Taiwan compatriot permit number has 8 digits (older permits have 10 characters). Check the number on the permit.</source>
        <translation>台湾居民来往大陆通行证号码为 8 位数字（旧证为 10 位）。请核对通行证上的号码。</translation>
    </message>
    <message>
        <source>A foreign permanent resident ID has 18 characters starting with 9 (older cards: 3 letters and 12 digits). Check the number on the card.</source>
        <translation>外国人永久居留身份证号码共 18 位，以 9 开头（旧证为 3 个字母加 12 位数字）。请核对证件上的号码。</translation>
    </message>
    <message>
        <source>A residence permit number for Hong Kong, Macau or Taiwan residents has 18 characters: 17 digits, then a digit or X. Check the number on the permit.</source>
        <translation>港澳台居民居住证号码共 18 位：前 17 位为数字，最后一位为数字或 X。请核对居住证上的号码。</translation>
    </message>
    <message>
        <source>A passport number has 5 to 20 letters and digits. Check the number on the passport&apos;s photo page.</source>
        <translation>护照号码由 5 到 20 个字母和数字组成。请核对护照照片页上的号码。</translation>
    </message>
    <message>
        <source>The last character of this resident ID does not match the others: check the number on the card.</source>
        <translation>此居民身份证号码的最后一位与前面的数字不符：请核对证件上的号码。</translation>
    </message>
    <message>
        <source>The last character of this residence permit number does not match the others: check the number on the permit.</source>
        <translation>此居住证号码的最后一位与前面的数字不符：请核对居住证上的号码。</translation>
    </message>
    <message>
        <source>The last character of this permanent resident ID does not match the others: check the number on the card.</source>
        <translation>此永久居留身份证号码的最后一位与前面的字符不符：请核对证件上的号码。</translation>
    </message>
    <message>
        <source>The check digit in brackets does not match this Hong Kong ID number: check the number on the card.</source>
        <translation>括号中的校验码与此香港身份证号码不符：请核对证件上的号码。</translation>
    </message>
    <message>
        <source>The last digit of this Taiwan ID number does not match the others: check the number on the card.</source>
        <translation>此台湾身份证号码的最后一位与前面的字符不符：请核对证件上的号码。</translation>
    </message>
    <message>
        <source>This resident ID starts with a region code that does not exist: check the first two digits on the card.</source>
        <translation>此居民身份证号码开头的地区代码不存在：请核对证件上号码的前两位。</translation>
    </message>
    <message>
        <source>Resident ID numbers never start with 9; numbers starting with 9 are foreign permanent resident IDs. Check the number, or choose that kind of document.</source>
        <translation>居民身份证号码不会以 9 开头；以 9 开头的是外国人永久居留身份证。请核对号码，或选择该证件类型。</translation>
    </message>
    <message>
        <source>A residence permit number for Hong Kong, Macau or Taiwan residents starts with 810000, 820000 or 830000. Check the number, or choose Resident ID for a mainland card.</source>
        <translation>港澳台居民居住证号码以 810000、820000 或 830000 开头。请核对号码；内地居民身份证请选择“居民身份证”。</translation>
    </message>
    <message>
        <source>The second character of a Taiwan ID number is 1, 2, 8 or 9: check the number on the card.</source>
        <translation>台湾身份证号码的第二位是 1、2、8 或 9：请核对证件上的号码。</translation>
    </message>
    <message>
        <source>The birth date inside this number is not a real date: check the number on the card.</source>
        <translation>号码中包含的出生日期不是有效日期：请核对证件上的号码。</translation>
    </message>
    <message>
        <source>The birth date inside this number is in the future: check the number on the card.</source>
        <translation>号码中包含的出生日期在将来：请核对证件上的号码。</translation>
    </message>
    <message>
        <source>The birth date inside this number is more than {years} years ago: check the number on the card.</source>
        <translation>号码中包含的出生日期早于 {years} 年前：请核对证件上的号码。</translation>
    </message>
    <message>
        <source>Type a phone number.</source>
        <translation>请输入电话号码。</translation>
    </message>
    <message>
        <source>A phone number has only digits: remove the letters (write an extension in the notes).</source>
        <translation>电话号码只能包含数字：请删除字母（分机号请写在备注中）。</translation>
    </message>
    <message>
        <source>A phone number has only digits, spaces, hyphens, brackets and a + in front: remove the other characters.</source>
        <translation>电话号码只能包含数字、空格、连字符、括号和开头的 +：请删除其他字符。</translation>
    </message>
    <message>
        <source>This phone number is too short: type all of its digits, with the area code for a landline.</source>
        <translation>电话号码太短：请输入完整号码，固定电话请加区号。</translation>
    </message>
    <message>
        <source>This phone number is too long: check the digits, and type only one number.</source>
        <translation>电话号码太长：请核对数字，并且只输入一个号码。</translation>
    </message>
    <message>
        <source>No country uses the code after the +: check it, or leave out the + for a number in this country.</source>
        <translation>+ 后面的国家代码不存在：请核对；如是本国号码，请不要输入 +。</translation>
    </message>
    <message>
        <source>This is not a valid phone number for China: check the digits; for another country type + and its country code.</source>
        <translation>这不是有效的中国电话号码：请核对数字；其他国家或地区的号码请输入 + 和国家代码。</translation>
    </message>
    <message>
        <source>This is not a valid phone number in the clinic&apos;s region ({region}): check the digits; for another country type + and its country code.</source>
        <translation>这不是诊所所在地区（{region}）的有效电话号码：请核对数字；其他国家或地区的号码请输入 + 和国家代码。</translation>
    </message>
    <message>
        <source>This is not a valid phone number for country code +{code}: check the digits and the country code.</source>
        <translation>这不是国家代码 +{code} 的有效电话号码：请核对数字和国家代码。</translation>
    </message>
    <message>
        <source>The ICD-10 code “{code}” is not in the right form: it is a letter and two digits, then optionally a dot and up to four letters or digits, for example J06.9 or I10. Check it and type it again, or leave it empty.</source>
        <translation>ICD-10 编码“{code}”格式不正确：应为一个字母加两位数字，后面可接一个点和最多四个字母或数字，例如 J06.9 或 I10。请检查后重新输入，或留空。</translation>
    </message>
    <message>
        <source>The drug interaction table {path} cannot be used: {problem}. Prescriptions cannot be checked until the file is corrected or restored from the ClinicDesk installation.</source>
        <translation>药物相互作用表 {path} 无法使用：{problem}。在修复该文件或从 ClinicDesk 安装程序中恢复之前，无法检查处方。</translation>
    </message>
    <message>
        <source>The upper (systolic) blood pressure “{text}” is not a whole number: type it in mmHg, for example 120.</source>
        <translation>收缩压（高压）“{text}”不是整数：请以 mmHg 为单位输入，例如 120。</translation>
    </message>
    <message>
        <source>An upper (systolic) blood pressure of {value} mmHg is not possible: measure again and type the new reading.</source>
        <translation>收缩压（高压）不可能为 {value} mmHg：请重新测量并输入新的读数。</translation>
    </message>
    <message>
        <source>Upper (systolic) blood pressure {value} mmHg is unusual. Record it anyway?</source>
        <translation>收缩压（高压）{value} mmHg 超出常见范围。仍要记录吗？</translation>
    </message>
    <message>
        <source>The lower (diastolic) blood pressure “{text}” is not a whole number: type it in mmHg, for example 80.</source>
        <translation>舒张压（低压）“{text}”不是整数：请以 mmHg 为单位输入，例如 80。</translation>
    </message>
    <message>
        <source>A lower (diastolic) blood pressure of {value} mmHg is not possible: measure again and type the new reading.</source>
        <translation>舒张压（低压）不可能为 {value} mmHg：请重新测量并输入新的读数。</translation>
    </message>
    <message>
        <source>Lower (diastolic) blood pressure {value} mmHg is unusual. Record it anyway?</source>
        <translation>舒张压（低压）{value} mmHg 超出常见范围。仍要记录吗？</translation>
    </message>
    <message>
        <source>The pulse “{text}” is not a whole number: type the beats per minute, for example 72.</source>
        <translation>脉搏“{text}”不是整数：请输入每分钟的搏动次数，例如 72。</translation>
    </message>
    <message>
        <source>A pulse of {value} per minute is not possible: count again for a full minute and type it again.</source>
        <translation>脉搏不可能为每分钟 {value} 次：请重新数满一分钟，然后再次输入。</translation>
    </message>
    <message>
        <source>Pulse {value} per minute is unusual. Record it anyway?</source>
        <translation>脉搏每分钟 {value} 次，超出常见范围。仍要记录吗？</translation>
    </message>
    <message>
        <source>The temperature “{text}” is not a number: type it in °C, for example 36.8.</source>
        <translation>体温“{text}”不是数字：请以 °C 为单位输入，例如 36.8。</translation>
    </message>
    <message>
        <source>Temperature {value} °C is not possible for a living person: check the thermometer reading and type it again.</source>
        <translation>人体体温不可能为 {value} °C：请核对体温计读数后重新输入。</translation>
    </message>
    <message>
        <source>Temperature {value} °C is unusual. Record it anyway?</source>
        <translation>体温 {value} °C 超出常见范围。仍要记录吗？</translation>
    </message>
    <message>
        <source>The weight “{text}” is not a number: type it in kg, for example 65.5.</source>
        <translation>体重“{text}”不是数字：请以 kg 为单位输入，例如 65.5。</translation>
    </message>
    <message>
        <source>A weight of {value} kg is not possible: check the scale reading and that it is in kg (not jin or pounds), then type it again.</source>
        <translation>体重不可能为 {value} kg：请核对体重秤读数，并确认单位是 kg（不是斤或磅），然后重新输入。</translation>
    </message>
    <message>
        <source>Weight {value} kg is unusual. Record it anyway?</source>
        <translation>体重 {value} kg 超出常见范围。仍要记录吗？</translation>
    </message>
    <message>
        <source>The height “{text}” is not a number: type it in cm, for example 170.</source>
        <translation>身高“{text}”不是数字：请以 cm 为单位输入，例如 170。</translation>
    </message>
    <message>
        <source>A height of {value} cm is not possible: check that it is in cm (not metres), then type it again.</source>
        <translation>身高不可能为 {value} cm：请确认单位是 cm（不是米），然后重新输入。</translation>
    </message>
    <message>
        <source>Height {value} cm is unusual. Record it anyway?</source>
        <translation>身高 {value} cm 超出常见范围。仍要记录吗？</translation>
    </message>
    <message>
        <source>The oxygen saturation “{text}” is not a whole number: type the percentage, for example 98.</source>
        <translation>血氧饱和度“{text}”不是整数：请输入百分比，例如 98。</translation>
    </message>
    <message>
        <source>An oxygen saturation of {value}% is not possible (it is at most 100%): check the oximeter reading and type it again.</source>
        <translation>血氧饱和度不可能为 {value}%（最高为 100%）：请核对血氧仪读数后重新输入。</translation>
    </message>
    <message>
        <source>Oxygen saturation {value}% is unusual. Record it anyway?</source>
        <translation>血氧饱和度 {value}% 超出常见范围。仍要记录吗？</translation>
    </message>
    <message>
        <source>The breathing rate “{text}” is not a whole number: type the breaths per minute, for example 16.</source>
        <translation>呼吸频率“{text}”不是整数：请输入每分钟的呼吸次数，例如 16。</translation>
    </message>
    <message>
        <source>A breathing rate of {value} per minute is not possible: count again for a full minute and type it again.</source>
        <translation>呼吸频率不可能为每分钟 {value} 次：请重新数满一分钟，然后再次输入。</translation>
    </message>
    <message>
        <source>Breathing rate {value} per minute is unusual. Record it anyway?</source>
        <translation>呼吸频率每分钟 {value} 次，超出常见范围。仍要记录吗？</translation>
    </message>
    <message>
        <source>The blood glucose “{text}” is not a number: type it in mmol/L, for example 5.6.</source>
        <translation>血糖“{text}”不是数字：请以 mmol/L 为单位输入，例如 5.6。</translation>
    </message>
    <message>
        <source>A blood glucose of {value} mmol/L is not possible: check the meter reading and that it is in mmol/L (not mg/dL), then type it again.</source>
        <translation>血糖不可能为 {value} mmol/L：请核对血糖仪读数，并确认单位是 mmol/L（不是 mg/dL），然后重新输入。</translation>
    </message>
    <message>
        <source>Blood glucose {value} mmol/L is unusual. Record it anyway?</source>
        <translation>血糖 {value} mmol/L 超出常见范围。仍要记录吗？</translation>
    </message>
    <message>
        <source>The upper (systolic) blood pressure {systolic} must be higher than the lower (diastolic) {diastolic}: check that they are not swapped, then type them again.</source>
        <translation>收缩压（高压）{systolic} 必须高于舒张压（低压）{diastolic}：请检查两者是否填反，然后重新输入。</translation>
    </message>
    <message>
        <source>A blood pressure needs both numbers, upper and lower, for example 120/80. Type the missing one, or clear both.</source>
        <translation>血压需要高压和低压两个数值，例如 120/80。请补上缺少的数值，或将两者都清空。</translation>
    </message>
    <message>
        <source>The blood pressure “{text}” is not in the right form: type the upper and lower numbers with a slash between them, for example 120/80.</source>
        <translation>血压“{text}”格式不正确：请输入高压和低压，中间用斜杠分隔，例如 120/80。</translation>
    </message>
    <message>
        <source>“{name}” is not a vital sign that can be confirmed.</source>
        <translation>“{name}”不是可确认的生命体征。</translation>
    </message>
    <message>
        <source>Some readings are outside the usual range. Check them; if they are right, confirm them to record them anyway.</source>
        <translation>部分读数超出常见范围。请核对；如果无误，请确认后仍然记录。</translation>
    </message>
    <message>
        <source>This file cannot be imported: choose a CSV file (.csv) or an Excel workbook (.xlsx).</source>
        <translation>无法导入此文件：请选择 CSV 文件（.csv）或 Excel 工作簿（.xlsx）。</translation>
    </message>
    <message>
        <source>This is an old-style Excel file (.xls). In Excel, use Save As and choose &apos;Excel Workbook (*.xlsx)&apos; or &apos;CSV UTF-8&apos;, then import that file.</source>
        <translation>这是旧版 Excel 文件（.xls）。请在 Excel 中使用“另存为”，选择“Excel 工作簿(*.xlsx)”或“CSV UTF-8(逗号分隔)”，然后导入新保存的文件。</translation>
    </message>
    <message>
        <source>This file is not a readable Excel workbook (it may be damaged or of another kind). Open it in Excel, save it again as .xlsx or as CSV UTF-8, then import that file.</source>
        <translation>此文件不是可读取的 Excel 工作簿（可能已损坏或是其他类型的文件）。请在 Excel 中打开它，重新另存为 .xlsx 或 CSV UTF-8，然后导入新保存的文件。</translation>
    </message>
    <message>
        <source>The file is empty: there are no patients in it to import.</source>
        <translation>文件为空：其中没有可导入的患者。</translation>
    </message>
    <message>
        <source>There is no file to import at that place (it may have been moved, renamed or deleted). Choose the file again.</source>
        <translation>该位置没有要导入的文件（可能已被移动、重命名或删除）。请重新选择文件。</translation>
    </message>
    <message>
        <source>The file has a header row but no patients under it. Check that you chose the right file (and the right sheet).</source>
        <translation>文件有表头行，但下面没有患者。请确认选择了正确的文件（以及正确的工作表）。</translation>
    </message>
    <message>
        <source>The file is too large to import ({megabytes} MB; at most {limit} MB). Split it into smaller files and import them one after another.</source>
        <translation>文件太大，无法导入（{megabytes} MB；最大 {limit} MB）。请将其拆分为多个较小的文件，依次导入。</translation>
    </message>
    <message>
        <source>The file has more than {limit} rows, more than one import can take. Split it into smaller files and import them one after another.</source>
        <translation>文件超过 {limit} 行，超出单次导入的上限。请将其拆分为多个较小的文件，依次导入。</translation>
    </message>
    <message>
        <source>This file is not plain text (it may be saved as UTF-16 without a byte-order mark, or be no table at all). In Excel, save it as &apos;CSV UTF-8 (comma delimited)&apos; or as .xlsx and import that file.</source>
        <translation>此文件不是纯文本（可能是以不带字节顺序标记的 UTF-16 保存的，或者根本不是表格）。请在 Excel 中将其另存为“CSV UTF-8(逗号分隔)”或 .xlsx，然后导入新保存的文件。</translation>
    </message>
    <message>
        <source>The file&apos;s characters cannot be read: it is neither UTF-8 nor GBK/GB18030 text. In Excel, save it again as &apos;CSV UTF-8 (comma delimited)&apos; and import that file.</source>
        <translation>无法读取文件中的字符：它既不是 UTF-8 文本，也不是 GBK/GB18030 文本。请在 Excel 中重新另存为“CSV UTF-8(逗号分隔)”，然后导入新保存的文件。</translation>
    </message>
    <message>
        <source>The workbook has no sheet named {sheet}. Its sheets are: {sheets}.</source>
        <translation>工作簿中没有名为 {sheet} 的工作表。现有工作表：{sheets}。</translation>
    </message>
    <message>
        <source>The file has no column for the patient&apos;s name, so nothing was imported. Columns found: {headers}. Name a column 姓名 (or 姓 and 名), or choose which column holds the name.</source>
        <translation>文件中没有患者姓名列，因此未导入任何内容。找到的列：{headers}。请将某一列命名为“姓名”（或“姓”和“名”），或指定哪一列是姓名。</translation>
    </message>
    <message>
        <source>&apos;{field}&apos; is not a patient field that can be imported. Use one of: {fields}.</source>
        <translation>“{field}”不是可导入的患者字段。请使用以下字段之一：{fields}。</translation>
    </message>
    <message>
        <source>The file has no column &apos;{header}&apos;. Columns found: {headers}.</source>
        <translation>文件中没有“{header}”列。找到的列：{headers}。</translation>
    </message>
    <message>
        <source>Excel stored this number as a number and lost its last digits. In Excel, format the column as Text, type the numbers again (or import the original list) and import again.</source>
        <translation>Excel 把这个号码存成了数值，丢失了最后几位。请在 Excel 中将该列设为“文本”格式，重新输入号码（或使用原始名单），然后重新导入。</translation>
    </message>
    <message>
        <source>This date could be day/month or month/day. Write dates as year-month-day, for example 1985-03-12.</source>
        <translation>此日期既可能是“日/月”，也可能是“月/日”。请按“年-月-日”格式填写日期，例如 1985-03-12。</translation>
    </message>
    <message>
        <source>This is not a date ClinicDesk can read. Write dates as year-month-day, for example 1985-03-12 or 1985年3月12日.</source>
        <translation>ClinicDesk 无法识别此日期。请按“年-月-日”格式填写日期，例如 1985-03-12 或 1985年3月12日。</translation>
    </message>
    <message>
        <source>This date does not exist (check the month and the day).</source>
        <translation>此日期不存在（请检查月份和日期）。</translation>
    </message>
    <message>
        <source>Write the sex as 男 or 女 (or M or F); leave it empty if it is not known.</source>
        <translation>性别请填写“男”或“女”（或 M、F）；如果不清楚，请留空。</translation>
    </message>
    <message>
        <source>This ID type is not one ClinicDesk knows: write 身份证, 护照, 回乡证, 台胞证, 香港身份证, 澳门身份证, 台湾身份证, 居住证 or 永久居留证, or leave it empty.</source>
        <translation>ClinicDesk 无法识别此证件类型：请填写身份证、护照、回乡证、台胞证、香港身份证、澳门身份证、台湾身份证、居住证或永久居留证，或留空。</translation>
    </message>
    <message>
        <source>The kind of document cannot be told from this number. Add an ID type column (证件类型) saying, for example, 身份证 or 护照.</source>
        <translation>无法根据此号码判断证件类型。请添加“证件类型”列，填写例如“身份证”或“护照”。</translation>
    </message>
    <message>
        <source>A name is made of letters: remove the emoji or other symbols from it and import again.</source>
        <translation>姓名应由文字组成：请删除其中的表情符号或其他符号，然后重新导入。</translation>
    </message>
    <message>
        <source>The name has no letters in it. Type the patient&apos;s name.</source>
        <translation>姓名中没有任何文字。请输入患者姓名。</translation>
    </message>
    <message>
        <source>This patient is already in row {row} of the file (same ID number, or same name, birth date and phone). Remove one of the two rows.</source>
        <translation>此患者已在文件第 {row} 行中（证件号码相同，或姓名、出生日期和电话都相同）。请删除其中一行。</translation>
    </message>
    <message>
        <source>This prescription has {count} serious warning(s): a major interaction or an allergy. Nothing was saved. Read the warnings; to prescribe anyway, confirm them and give the reason.</source>
        <translation>此处方有 {count} 条严重警告：严重相互作用或过敏。未保存任何内容。请阅读警告；如仍要开具，请确认警告并填写原因。</translation>
    </message>
    <message>
        <source>The {label} is too long: use at most {n} characters.</source>
        <translation>{label}太长：最多只能使用 {n} 个字符。</translation>
    </message>
    <message>
        <source>Line {line}: the {label} is too long: use at most {n} characters.</source>
        <translation>第 {line} 行：{label}太长：最多只能使用 {n} 个字符。</translation>
    </message>
    <message>
        <source>Line {line}: the {label} should be text.</source>
        <translation>第 {line} 行：{label}应为文本。</translation>
    </message>
    <message>
        <source>Line {line}: the drug name is empty. Type the drug, or remove the line.</source>
        <translation>第 {line} 行：药品名称为空。请输入药品，或删除该行。</translation>
    </message>
    <message>
        <source>Line {line}: choose how the drug is given (route).</source>
        <translation>第 {line} 行：请选择给药途径。</translation>
    </message>
    <message>
        <source>Line {line}: choose how often the drug is taken.</source>
        <translation>第 {line} 行：请选择用药频次。</translation>
    </message>
    <message>
        <source>Line {line}: choose when the drug is taken (before or after meals, at bedtime...).</source>
        <translation>第 {line} 行：请选择用药时间（饭前、饭后、睡前……）。</translation>
    </message>
    <message>
        <source>Line {line}: the duration must be a whole number of days from {low} to {high}.</source>
        <translation>第 {line} 行：用药天数必须是 {low} 到 {high} 之间的整数。</translation>
    </message>
    <message>
        <source>The prescription has no drugs. Add at least one line.</source>
        <translation>处方中没有药品。请至少添加一行。</translation>
    </message>
    <message>
        <source>The prescription has {count} lines; at most {n} are allowed. Split it into two prescriptions.</source>
        <translation>此处方有 {count} 行，最多允许 {n} 行。请拆分为两张处方。</translation>
    </message>
    <message>
        <source>prescription</source>
        <translation>处方</translation>
    </message>
    <message>
        <source>Say why the prescription is cancelled.</source>
        <translation>请说明作废此处方的原因。</translation>
    </message>
    <message>
        <source>This prescription was already cancelled on {when}.</source>
        <translation>此处方已于 {when} 作废。</translation>
    </message>
    <message>
        <source>The guidance is empty. Type what the patient was told.</source>
        <translation>用药指导为空。请输入向患者交代的内容。</translation>
    </message>
    <message>
        <source>This prescription was cancelled, so no guidance can be added to it.</source>
        <translation>此处方已作废，无法添加用药指导。</translation>
    </message>
    <message>
        <source>The {label} should be text.</source>
        <translation>{label}应为文本。</translation>
    </message>
    <message>
        <source>The {label} is empty. Please fill it in.</source>
        <translation>{label}为空。请填写。</translation>
    </message>
    <message>
        <source>Give both the start and the end time, or neither for the whole day.</source>
        <translation>请同时填写开始和结束时间；如为全天，则两者都不填。</translation>
    </message>
    <message>
        <source>A time of day should be between 00:00 and 24:00 (0 to 1440 minutes).</source>
        <translation>时间应在 00:00 至 24:00 之间（0 至 1440 分钟）。</translation>
    </message>
    <message>
        <source>The absence ends before or when it starts. Give an end after the start, or neither for the whole day.</source>
        <translation>停诊的结束时间早于或等于开始时间。请将结束时间设在开始时间之后；如为全天停诊，则两者都不填。</translation>
    </message>
    <message>
        <source>doctor</source>
        <translation>医生</translation>
    </message>
    <message>
        <source>A doctor records their own absence. Ask the desk or the director to record a colleague&apos;s.</source>
        <translation>医生只能登记自己的停诊。同事的停诊请由前台或院长登记。</translation>
    </message>
    <message>
        <source>The {label} should be a calendar date.</source>
        <translation>{label}应为日期。</translation>
    </message>
    <message>
        <source>{day} has already passed. An absence is recorded for today or a later day.</source>
        <translation>{day} 已经过去。停诊只能登记今天或以后的日期。</translation>
    </message>
    <message>
        <source>A doctor cannot stand in for themselves. Choose another one.</source>
        <translation>医生不能为自己代诊。请选择另一位医生。</translation>
    </message>
    <message>
        <source>{name} cannot take appointments, so cannot stand in. Choose another doctor.</source>
        <translation>{name}不接受预约，因此不能代诊。请选择其他医生。</translation>
    </message>
    <message>
        <source>An absence of {name} on {day} is already recorded. Open its list of patients instead of recording it again.</source>
        <translation>已登记{name} {day} 的停诊。请打开该停诊的患者名单，不要重复登记。</translation>
    </message>
    <message>
        <source>absence</source>
        <translation>停诊记录</translation>
    </message>
    <message>
        <source>Choose how the call went: contacted, moved, cancelled, unreachable or kept.</source>
        <translation>请选择联系结果：已联系、已改约、已取消、联系不上或保留原预约。</translation>
    </message>
    <message>
        <source>patient to contact</source>
        <translation>待联系患者</translation>
    </message>
    <message>
        <source>This patient&apos;s appointment was already {status}. Change it on the calendar if needed.</source>
        <translation>该患者的预约已是“{status}”状态。如需更改，请在日程中操作。</translation>
    </message>
    <message>
        <source>Give the new time or the new doctor the patient agreed to, then save.</source>
        <translation>请填写患者同意的新时间或新医生，然后保存。</translation>
    </message>
    <message>
        <source>Choose the urgency: routine, urgent or emergency.</source>
        <translation>请选择紧急程度：常规、紧急或急诊。</translation>
    </message>
    <message>
        <source>This prescription was cancelled, so it has no medication card. Choose a current prescription.</source>
        <translation>此处方已作废，不能打印用药提醒卡。请选择一张有效的处方。</translation>
    </message>
    <message>
        <source>This appointment was cancelled or missed, so there is no slip to print. Book a new appointment first.</source>
        <translation>此预约已取消或已爽约，没有可打印的预约单。请先重新预约。</translation>
    </message>
    <message>
        <source>This membership was cancelled, so it has no card to print. Enrol the member again to print a new card.</source>
        <translation>此会员已注销，没有可打印的会员卡。请为其重新办理会员后再打印新卡。</translation>
    </message>
    <message>
        <source>This membership ended on {day}; renew it before printing a card.</source>
        <translation>此会员已于 {day} 到期；请先续费再打印会员卡。</translation>
    </message>
    <message>
        <source>This person is not a current member of this membership, so it has no card for them. Add them to it first, or print their own membership&apos;s card.</source>
        <translation>此人目前不在这张会员卡上，因此没有对应的会员卡。请先将其添加到该会员卡，或打印其本人的会员卡。</translation>
    </message>
    <message>
        <source>That call was made to another patient. Print the form from the call itself.</source>
        <translation>这通电话打给的是另一位患者。请从该通电话本身打印回访表。</translation>
    </message>
    <message>
        <source>referral</source>
        <translation>转诊单</translation>
    </message>
    <message>
        <source>Attach at most {n} reports to a referral.</source>
        <translation>一份转诊单最多附加 {n} 份报告。</translation>
    </message>
    <message>
        <source>attached report</source>
        <translation>所附报告</translation>
    </message>
    <message>
        <source>No reading was typed. Type at least one vital sign.</source>
        <translation>未输入任何读数。请至少输入一项生命体征。</translation>
    </message>
    <message>
        <source>This is not a date: type it as year-month-day, e.g. 1985-03-12.</source>
        <translation>这不是有效的日期：请按“年-月-日”格式输入，例如 1985-03-12。</translation>
    </message>
    <message>
        <source>No file was chosen. Press “Choose…” and pick the file.</source>
        <translation>未选择文件。请点击“选择…”并选取文件。</translation>
    </message>
    <message>
        <source>The file {name} could not be read ({problem}). Check that it is still there and not open in another program, then try again.</source>
        <translation>无法读取文件 {name}（{problem}）。请确认文件仍在原处，且未在其他程序中打开，然后重试。</translation>
    </message>
    <message>
        <source>The copy could not be saved to {path} ({problem}). Choose another folder, for example Documents, then try again.</source>
        <translation>无法将副本保存到 {path}（{problem}）。请选择其他文件夹（例如“文档”），然后重试。</translation>
    </message>
    <message>
        <source>There is no holiday calendar called {calendar}. Choose CN (mainland China), HK (Hong Kong), TW (Taiwan) or none.</source>
        <translation>没有名为 {calendar} 的节假日日历。请选择 CN（中国内地）、HK（香港）、TW（台湾）或不使用。</translation>
    </message>
    <message>
        <source>Choose how often the appointment repeats: daily, weekly or monthly.</source>
        <translation>请选择预约的重复频率：每天、每周或每月。</translation>
    </message>
    <message>
        <source>The repeat interval should be a whole number.</source>
        <translation>重复间隔应为整数。</translation>
    </message>
    <message>
        <source>The repeat interval should be between 1 and {top} ({frequency}); {interval} is not possible.</source>
        <translation>重复间隔应在 1 至 {top} 之间（{frequency}）；不能为 {interval}。</translation>
    </message>
    <message>
        <source>Weekdays can only be chosen for a weekly repeat. Clear them, or choose weekly.</source>
        <translation>只有按周重复时才能选择星期几。请清除所选的星期，或改为按周重复。</translation>
    </message>
    <message>
        <source>A weekday should be 0 (Monday) to 6 (Sunday). Choose the days again.</source>
        <translation>星期应为 0（周一）至 6（周日）。请重新选择。</translation>
    </message>
    <message>
        <source>The series ends ({until}) before its first day ({first}). Choose an end date on or after the first day.</source>
        <translation>周期预约的结束日期（{until}）早于第一次的日期（{first}）。请选择第一次当天或之后的结束日期。</translation>
    </message>
    <message>
        <source>The number of appointments should be at least 1, or leave it empty for a series without a fixed number.</source>
        <translation>预约次数至少为 1；如不限定次数，请留空。</translation>
    </message>
    <message>
        <source>A series can have at most {limit} appointments; {count} were asked for. Choose fewer, or an end date.</source>
        <translation>一个周期预约最多 {limit} 次，当前要求 {count} 次。请减少次数，或改为设定结束日期。</translation>
    </message>
    <message>
        <source>Up to {until} this series would have more than {limit} appointments. Choose an earlier end date or a longer interval.</source>
        <translation>截至 {until}，此周期预约将超过 {limit} 次。请选择更早的结束日期或更长的间隔。</translation>
    </message>
    <message>
        <source>The {label} should be a date.</source>
        <translation>{label}应为日期。</translation>
    </message>
    <message>
        <source>The last day ({last}) is before the first day ({first}). Choose the period again.</source>
        <translation>结束日期（{last}）早于开始日期（{first}）。请重新选择时间段。</translation>
    </message>
    <message>
        <source>Choose a period of at most {n} days for the statistics.</source>
        <translation>统计时间段最多为 {n} 天，请重新选择。</translation>
    </message>
    <message>
        <source>Group the statistics by day, doctor, channel or appointment type.</source>
        <translation>请按日期、医生、预约渠道或预约类型对统计进行分组。</translation>
    </message>
    <message>
        <source>Choose the month as a year and a month number.</source>
        <translation>请用年份和月份数字选择月份。</translation>
    </message>
    <message>
        <source>There is no month {month} of {year} to summarise. Choose a month between 1 and 12 of a year from 2000.</source>
        <translation>不存在 {year} 年 {month} 月，无法汇总。请选择 2000 年及以后年份的 1 至 12 月。</translation>
    </message>
    <message>
        <source>The series cannot be booked on {dates}. Nothing was saved. Skip these dates, choose another time or doctor, or confirm where that is allowed.</source>
        <translation>周期预约无法在 {dates} 预约，未保存任何内容。请跳过这些日期、选择其他时间或医生，或在允许的情况下进行确认。</translation>
    </message>
    <message>
        <source>The start time should be minutes after midnight.</source>
        <translation>开始时间应为从零点起算的分钟数。</translation>
    </message>
    <message>
        <source>The start time should be between 00:00 and 23:59.</source>
        <translation>开始时间应在 00:00 至 23:59 之间。</translation>
    </message>
    <message>
        <source>Each appointment should last between {low} and {high} minutes.</source>
        <translation>每次预约时长应在 {low} 至 {high} 分钟之间。</translation>
    </message>
    <message>
        <source>Each appointment would run past midnight. End it by 24:00, or start earlier.</source>
        <translation>每次预约都会跨过午夜。请在 24:00 前结束，或提前开始时间。</translation>
    </message>
    <message>
        <source>A series can only confirm &apos;outside working hours&apos; and &apos;patient already booked&apos;; skip the other dates instead.</source>
        <translation>周期预约只能确认“出诊时间以外”和“患者已有预约”两种情况；其他情况请跳过相应日期。</translation>
    </message>
    <message>
        <source>Moving after the booking cutoff needs the director; move this appointment from the calendar as the director, with a reason.</source>
        <translation>预约截止后改期需要院长操作：请由院长在日历中改期并填写理由。</translation>
    </message>
    <message>
        <source>Too many days to skip: at most {n}.</source>
        <translation>要跳过的日期太多：最多 {n} 天。</translation>
    </message>
    <message>
        <source>{name} cannot take appointments. Choose another doctor.</source>
        <translation>{name}不接受预约。请选择其他医生。</translation>
    </message>
    <message>
        <source>Choose whether closed days are skipped or booked and flagged.</source>
        <translation>请选择休诊日是跳过，还是照常预约并加以标记。</translation>
    </message>
    <message>
        <source>The first day ({day}) has passed. Start the series today or later.</source>
        <translation>第一次的日期（{day}）已经过去。请从今天或以后开始周期预约。</translation>
    </message>
    <message>
        <source>This series has no day left to book (all skipped or closed). Choose other days.</source>
        <translation>此周期预约已没有可预约的日期（全部被跳过或休诊）。请选择其他日期。</translation>
    </message>
    <message>
        <source>This appointment is not part of a series. Change it on its own.</source>
        <translation>此预约不属于周期预约。请单独修改。</translation>
    </message>
    <message>
        <source>appointment series</source>
        <translation>周期预约</translation>
    </message>
    <message>
        <source>Choose what to change: this appointment, this and the following ones, or all.</source>
        <translation>请选择修改范围：仅此预约、此预约及之后的预约，或全部。</translation>
    </message>
    <message>
        <source>Weekdays belong to the whole series. Change this and the following appointments, or all, to change them.</source>
        <translation>星期设置属于整个周期预约。如需修改，请选择修改“此预约及之后的预约”或“全部”。</translation>
    </message>
    <message>
        <source>The priority should be a whole number from 0 to {top} (higher first).</source>
        <translation>优先级应为 0 至 {top} 之间的整数（数值越大越优先）。</translation>
    </message>
    <message>
        <source>The earliest and latest days should be dates.</source>
        <translation>“最早日期”和“最晚日期”都应为日期。</translation>
    </message>
    <message>
        <source>The latest day ({latest}) is before the earliest day ({earliest}). Swap them or choose again.</source>
        <translation>最晚日期（{latest}）早于最早日期（{earliest}）。请将两者对调或重新选择。</translation>
    </message>
    <message>
        <source>The latest day ({latest}) has already passed. Choose a day from today on.</source>
        <translation>最晚日期（{latest}）已经过去。请选择今天或以后的日期。</translation>
    </message>
    <message>
        <source>waitlist entry</source>
        <translation>候补记录</translation>
    </message>
    <message>
        <source>The slot&apos;s start time needs a time zone.</source>
        <translation>该时段的开始时间需要包含时区。</translation>
    </message>
    <message>
        <source>The slot&apos;s length should be between 1 minute and 24 hours.</source>
        <translation>该时段的长度应在 1 分钟至 24 小时之间。</translation>
    </message>
    <message>
        <source>This record was merged into another one. Use the record it was merged into.</source>
        <translation>此档案已合并到另一份档案中。请使用合并后的档案。</translation>
    </message>
    <message>
        <source>That appointment belongs to another patient. Choose this patient&apos;s own appointment, or none.</source>
        <translation>该预约属于另一位患者。请选择此患者本人的预约，或不选择。</translation>
    </message>
    <message>
        <source>That appointment is no longer booked, so there is nothing to move earlier. Add the patient without it.</source>
        <translation>该预约已不再有效，无需提前。请不关联该预约，直接将患者加入候补名单。</translation>
    </message>
    <message>
        <source>This patient is already on the list for this doctor. Change that entry instead of adding another.</source>
        <translation>该患者已在此医生的候补名单中。请修改那条记录，不要重复添加。</translation>
    </message>
    <message>
        <source>This waitlist entry is already {status}, so it cannot be changed that way. Refresh the list.</source>
        <translation>此候补记录的状态已是“{status}”，无法这样修改。请刷新名单。</translation>
    </message>
    <message>
        <source>That appointment belongs to another patient. Choose the new appointment of this patient.</source>
        <translation>该预约属于另一位患者。请选择此患者的新预约。</translation>
    </message>
    <message>
        <source>Say why the patient is taken off the list (for example: not needed).</source>
        <translation>请说明将患者移出名单的原因（例如：已不需要）。</translation>
    </message>
    <message>
        <source>This patient is already checked in, with queue number {queue_no}. Find number {queue_no} on the board instead of checking in again.</source>
        <translation>该患者已签到，排队号为 {queue_no}。请在看板上找到 {queue_no} 号，不要重复签到。</translation>
    </message>
    <message>
        <source>Nobody is waiting for this doctor right now. Patients appear in the queue as soon as the desk checks them in.</source>
        <translation>目前没有患者在等这位医生。前台一签到，患者就会出现在候诊队列中。</translation>
    </message>
    <message>
        <source>Number {number} is still waiting, so this step is not possible yet.</source>
        <translation>{number} 号仍在候诊，暂时无法进行此操作。</translation>
    </message>
    <message>
        <source>Number {number} has been called but the consultation has not started. Start it first, or call the number again.</source>
        <translation>{number} 号已叫号，但尚未开始就诊。请先开始就诊，或重新叫号。</translation>
    </message>
    <message>
        <source>Number {number} is already in consultation. Refresh the queue to see where they are.</source>
        <translation>{number} 号已在就诊中。请刷新候诊队列查看其当前状态。</translation>
    </message>
    <message>
        <source>Number {number} was sent back to the desk. Put them back in the queue first.</source>
        <translation>{number} 号已转回前台。请先让其重新候诊。</translation>
    </message>
    <message>
        <source>Number {number} has already finished. If they need to see a doctor again, check them in again as a walk-in.</source>
        <translation>{number} 号已就诊完毕。如需再次看医生，请按现场挂号重新签到。</translation>
    </message>
    <message>
        <source>Number {number} was marked as gone. If they came back, put them back in the queue first.</source>
        <translation>{number} 号已标记为离开。如果患者回来了，请先让其重新候诊。</translation>
    </message>
    <message>
        <source>Choose what the patient comes for from the list.</source>
        <translation>请从列表中选择患者的就诊事由。</translation>
    </message>
    <message>
        <source>Check-in is real-name: look at the patient&apos;s identity document (or ask for name and ID number), then tick &quot;Identity checked&quot;.</source>
        <translation>签到实行实名制：请查看患者的身份证件（或询问姓名和证件号码），然后勾选“已核对身份”。</translation>
    </message>
    <message>
        <source>The arrival time {when} is in the future. Type when the patient came in, or leave it empty for now.</source>
        <translation>到达时间 {when} 在将来。请输入患者实际到达的时间，或暂时留空。</translation>
    </message>
    <message>
        <source>The arrival time {when} is more than {hours} hours ago. Check the date and the time of day.</source>
        <translation>到达时间 {when} 距今已超过 {hours} 小时。请检查日期和时间。</translation>
    </message>
    <message>
        <source>{name} does not see patients here (account disabled or not a doctor). Choose another doctor.</source>
        <translation>{name}不在本诊所接诊（账号已停用或不是医生）。请选择其他医生。</translation>
    </message>
    <message>
        <source>queue entry</source>
        <translation>候诊记录</translation>
    </message>
    <message>
        <source>Choose a day on the calendar.</source>
        <translation>请在日程中选择一天。</translation>
    </message>
    <message>
        <source>Choose the appointment or the patient to check in, one of the two.</source>
        <translation>请选择要签到的预约或患者，二者选其一。</translation>
    </message>
    <message>
        <source>This appointment is for {day} at {time}, not today. Check the patient in for today anyway?</source>
        <translation>此预约是 {day} {time} 的，不是今天。仍要为患者办理今天的签到吗？</translation>
    </message>
    <message>
        <source>This appointment was cancelled. Book a new one, or check the patient in as a walk-in.</source>
        <translation>此预约已取消。请重新预约，或按现场挂号为患者签到。</translation>
    </message>
    <message>
        <source>This appointment was marked as a no-show. Check the patient in as a walk-in, or book a new appointment.</source>
        <translation>此预约已标记为爽约。请按现场挂号为患者签到，或重新预约。</translation>
    </message>
    <message>
        <source>This appointment is already {status} on the calendar. If the patient needs to see a doctor again, check them in as a walk-in.</source>
        <translation>此预约在日程中已是“{status}”状态。如果患者需要再次看医生，请按现场挂号为其签到。</translation>
    </message>
    <message>
        <source>Tick what was done for the waiting patient (at least one).</source>
        <translation>请勾选为候诊患者做了什么（至少一项）。</translation>
    </message>
    <message>
        <source>Choose what was done from the list.</source>
        <translation>请从列表中选择所做的处理。</translation>
    </message>
    <message>
        <source>Say in the note what &quot;Other&quot; was.</source>
        <translation>请在备注中说明“其他”是什么。</translation>
    </message>
    <message>
        <source>Choose the doctor whose queue this is.</source>
        <translation>请选择要查看哪位医生的候诊队列。</translation>
    </message>
    <message>
        <source>Choose why the patient goes back to the desk.</source>
        <translation>请选择患者转回前台的原因。</translation>
    </message>
    <message>
        <source>This workstation already syncs through {hub}. Nothing was changed.</source>
        <translation>这台工作站已通过 {hub} 同步，未做任何更改。</translation>
    </message>
    <message>
        <source>Joining needs the clinic director&apos;s sign-in: {login} is not a director of this clinic, or the password is wrong. Nothing was set up on this computer.</source>
        <translation>加入同步需要诊所院长登录：{login} 不是本诊所的院长，或密码错误。本机未做任何设置。</translation>
    </message>
    <message>
        <source>Give this workstation a name people recognise, such as &quot;Front desk&quot; or &quot;Dr Wang&apos;s room&quot;.</source>
        <translation>请给这台工作站起一个大家都认得出的名称，例如“前台”或“王医生诊室”。</translation>
    </message>
    <message>
        <source>This is the workstation you are using. Remove it from another enrolled workstation.</source>
        <translation>这是您正在使用的工作站。请在另一台已加入同步的工作站上将其移除。</translation>
    </message>
    <message>
        <source>This conflict was already settled, here or at another workstation.</source>
        <translation>此冲突已在本机或其他工作站上处理过了。</translation>
    </message>
    <message>
        <source>This value cannot be written back here; change the record itself.</source>
        <translation>此值无法在这里写回；请直接修改该记录。</translation>
    </message>
    <message>
        <source>This computer&apos;s clock is {minutes} minutes off the hub&apos;s (more than the {limit} allowed), so sync is paused: changes dated wrongly would overwrite newer ones. Set the computer&apos;s date and time (or turn on automatic time) and sync again.</source>
        <translation>本机时钟与同步服务器相差 {minutes} 分钟（超过允许的 {limit} 分钟），因此已暂停同步：时间不对的修改可能会覆盖较新的修改。请校正本机的日期和时间（或开启自动设置时间），然后重新同步。</translation>
    </message>
    <message>
        <source>Another workstation runs a newer ClinicDesk and sent changes this version cannot read. Sync stopped before them; update ClinicDesk on this computer.</source>
        <translation>另一台工作站使用的是较新版本的 ClinicDesk，发来的修改本版本无法读取。同步已在这些修改之前停止；请在本机更新 ClinicDesk。</translation>
    </message>
    <message>
        <source>A change from workstation {device} cannot be used ({detail}). Sync stopped before it so nothing is applied out of order; tell whoever looks after ClinicDesk.</source>
        <translation>来自工作站 {device} 的一项修改无法使用（{detail}）。同步已在该修改之前停止，以免数据按错误顺序写入；请告知负责维护 ClinicDesk 的人员。</translation>
    </message>
    <message>
        <source>This workstation does not sync: it works on its own. The director can set up sync in Settings → Sync.</source>
        <translation>这台工作站未启用同步，独立运行。院长可在“设置 → 同步”中设置同步。</translation>
    </message>
    <message>
        <source>The sync hub refused the request: {detail}</source>
        <translation>同步服务器拒绝了请求：{detail}</translation>
    </message>
    <message>
        <source>The sync hub cannot be reached ({detail}). Work goes on here and is kept; it is sent when the hub can be reached again. If this lasts, ask whoever looks after the clinic&apos;s network.</source>
        <translation>无法连接同步服务器（{detail}）。本机可以继续工作，所有内容都会保留，待重新连上服务器后再发送。如果一直无法连接，请联系负责诊所网络的人员。</translation>
    </message>
    <message>
        <source>The hub address is not a PostgreSQL address ({detail}). It looks like postgresql://user:password@host:5432/database.</source>
        <translation>同步服务器地址不是有效的 PostgreSQL 地址（{detail}）。格式应类似 postgresql://user:password@host:5432/database。</translation>
    </message>
    <message>
        <source>This clinic already syncs through this hub. To add this computer, create a pairing code on a workstation that is already enrolled.</source>
        <translation>本诊所已通过此同步服务器同步。要添加这台电脑，请在已加入同步的工作站上生成配对码。</translation>
    </message>
    <message>
        <source>The hub does not know this workstation (or its credentials changed). Enrol it again with a pairing code from an enrolled workstation.</source>
        <translation>同步服务器无法识别这台工作站（或其登录凭据已更改）。请用已加入同步的工作站生成的配对码重新加入。</translation>
    </message>
    <message>
        <source>This workstation was removed from the clinic&apos;s sync, so the hub refuses its changes. They are kept here; ask the director to enrol it again.</source>
        <translation>这台工作站已被移出诊所同步，同步服务器拒绝接收它的修改。这些修改仍保留在本机；请院长将其重新加入。</translation>
    </message>
    <message>
        <source>Another workstation runs a newer ClinicDesk, so the hub refuses changes from this older one. Update ClinicDesk here; nothing made here is lost meanwhile.</source>
        <translation>另一台工作站使用的是较新版本的 ClinicDesk，因此同步服务器拒绝接收这台旧版本工作站的修改。请在本机更新 ClinicDesk；在此期间，本机所做的内容都不会丢失。</translation>
    </message>
    <message>
        <source>The hub is missing some of this workstation&apos;s earlier changes ({detail}). Sync stopped so nothing is applied out of order; tell whoever looks after ClinicDesk.</source>
        <translation>同步服务器缺少这台工作站之前的部分修改（{detail}）。同步已停止，以免数据按错误顺序写入；请告知负责维护 ClinicDesk 的人员。</translation>
    </message>
    <message>
        <source>This workstation was away longer than the hub keeps its log of changes. It needs a full copy from the hub: the director chooses Settings → Sync → Full resync…; nothing made here is lost.</source>
        <translation>这台工作站离线的时间超过了同步服务器保留修改记录的期限，需要从同步服务器获取一份完整副本：请院长选择“设置 → 同步 → 完整重新同步…”；本机所做的内容都不会丢失。</translation>
    </message>
    <message>
        <source>That is not a pairing code: it has 20 letters and digits in four groups, like 7KQ2M-XW4PD-9RTZB-H3N6C. Check it on the enrolled workstation&apos;s screen.</source>
        <translation>这不是有效的配对码：配对码由 20 个字母和数字组成，分为四组，例如 7KQ2M-XW4PD-9RTZB-H3N6C。请对照已加入同步的工作站屏幕上显示的配对码核对。</translation>
    </message>
    <message>
        <source>The hub has no such pairing code: it was already used, it expired, or it was typed wrongly. Create a new one on an enrolled workstation.</source>
        <translation>同步服务器上没有这个配对码：它可能已被使用、已过期，或输入有误。请在已加入同步的工作站上生成新的配对码。</translation>
    </message>
    <message>
        <source>Changes made here are still being sent, so a snapshot now would miss them. Try again in a minute.</source>
        <translation>本机的修改仍在发送中，现在制作快照会遗漏这些修改。请过一分钟再试。</translation>
    </message>
    <message>
        <source>The disk holding {folder} is full, so the batch file was not written and no message is marked exported. Free some space or choose another folder.</source>
        <translation>{folder} 所在的磁盘已满，批量文件未写入，也没有消息被标记为已导出。请释放一些空间或选择其他文件夹。</translation>
    </message>
    <message>
        <source>ClinicDesk may not write in {folder}, so no message is marked exported. Choose a folder you can write to, such as Documents.</source>
        <translation>ClinicDesk 无权写入 {folder}，因此没有消息被标记为已导出。请选择一个您有写入权限的文件夹，例如“文档”。</translation>
    </message>
    <message>
        <source>The folder {folder} does not exist. Choose an existing folder.</source>
        <translation>文件夹 {folder} 不存在。请选择一个已有的文件夹。</translation>
    </message>
    <message>
        <source>The batch file could not be written in {folder} ({detail}). No message is marked exported; try another folder.</source>
        <translation>无法在 {folder} 中写入批量文件（{detail}）。没有消息被标记为已导出；请尝试其他文件夹。</translation>
    </message>
    <message>
        <source>{path} already exists; an earlier batch is not overwritten. Choose another name or folder.</source>
        <translation>{path} 已存在；不会覆盖之前的批量文件。请选择其他文件名或文件夹。</translation>
    </message>
    <message>
        <source>The {what} has a lone {{ or }}. Write placeholders as a name in braces, like {{honorific}}, and type a brace as {{{{ or }}}}.</source>
        <translation>{what}中有一个落单的 {{ 或 }}。占位符应写成用花括号括起来的名称，如 {{honorific}}；要输入花括号本身，请写成 {{{{ 或 }}}}。</translation>
    </message>
    <message>
        <source>Write the placeholder {{{name}}} plainly, without &apos;:&apos; or &apos;!&apos; after the name.</source>
        <translation>请直接写占位符 {{{name}}}，名称后不要加“:”或“!”。</translation>
    </message>
    <message>
        <source>The {what} is empty. Type what the patient should read.</source>
        <translation>{what}为空。请输入患者要看到的内容。</translation>
    </message>
    <message>
        <source>The {what} contains control characters (perhaps pasted from another program). Retype it; the subject must be a single line.</source>
        <translation>{what}中含有控制字符（可能是从其他程序粘贴来的）。请重新输入；标题必须为单行。</translation>
    </message>
    <message>
        <source>The subject is {n} characters long: use at most {top}.</source>
        <translation>标题长 {n} 个字符：最多 {top} 个。</translation>
    </message>
    <message>
        <source>The {what} is {n} characters long: use at most {top}.</source>
        <translation>{what}长 {n} 个字符：最多 {top} 个。</translation>
    </message>
    <message>
        <source>The {what} starts with &apos;{first}&apos;, which a spreadsheet would read as a formula in the SMS batch file. Start it with a word, such as {{honorific}}.</source>
        <translation>{what}以“{first}”开头，在短信批量文件中会被电子表格当作公式。请以文字开头，例如 {{honorific}}。</translation>
    </message>
    <message>
        <source>The {what} uses {{{name}}}, which ClinicDesk cannot fill. Use only these placeholders: {allowed}.</source>
        <translation>{what}中使用了 {{{name}}}，ClinicDesk 无法填充。只能使用以下占位符：{allowed}。</translation>
    </message>
    <message>
        <source>The message needs a value for {{{name}}}, and none was given. Give it, or take the placeholder out of the template.</source>
        <translation>消息需要 {{{name}}} 的值，但未提供。请提供该值，或从模板中删除此占位符。</translation>
    </message>
    <message>
        <source>The {label} needs a date, a time and a time zone.</source>
        <translation>{label}需要包含日期、时间和时区。</translation>
    </message>
    <message>
        <source>The reason is too long: use at most {n} characters.</source>
        <translation>原因过长：最多 {n} 个字符。</translation>
    </message>
    <message>
        <source>There is no message template &apos;{code}&apos;. Choose one of the list.</source>
        <translation>没有消息模板“{code}”。请从列表中选择一个。</translation>
    </message>
    <message>
        <source>The template&apos;s name is too long: use at most {n} characters.</source>
        <translation>模板名称过长：最多 {n} 个字符。</translation>
    </message>
    <message>
        <source>This kind of message has no {{{name}}} to fill (it is not about an appointment). Use only {allowed}.</source>
        <translation>此类消息没有可填入 {{{name}}} 的内容（它与预约无关）。只能使用 {allowed}。</translation>
    </message>
    <message>
        <source>Choose whether the template is on.</source>
        <translation>请选择是否启用该模板。</translation>
    </message>
    <message>
        <source>A message value &apos;{name}&apos; cannot be given: ClinicDesk fills {{honorific}}, {{clinic}} and {{clinic_phone}} itself, and knows only {allowed}.</source>
        <translation>不能提供消息值“{name}”：ClinicDesk 会自动填写 {{honorific}}、{{clinic}} 和 {{clinic_phone}}，且只认识 {allowed}。</translation>
    </message>
    <message>
        <source>The message gives the clinic&apos;s phone number, which is not set. Set it in Settings &gt; Clinic.</source>
        <translation>消息中包含诊所电话，但尚未设置。请在“设置 → 诊所”中设置。</translation>
    </message>
    <message>
        <source>The message is empty. Type what the patient should read.</source>
        <translation>消息为空。请输入患者要看到的内容。</translation>
    </message>
    <message>
        <source>The text message would be {n} characters long; SMS platforms cut messages beyond {top}. Shorten it.</source>
        <translation>这条短信将长达 {n} 个字；短信平台会截断超过 {top} 个字的内容。请缩短。</translation>
    </message>
    <message>
        <source>campaign</source>
        <translation>健康提醒</translation>
    </message>
    <message>
        <source>The patient&apos;s e-mail address &apos;{email}&apos; is not a valid address, and there is no mobile or WeChat to use instead. Correct it in the patient&apos;s record.</source>
        <translation>患者的电子邮件地址“{email}”无效，且没有可替代的手机号或微信。请在患者资料中更正。</translation>
    </message>
    <message>
        <source>This patient asked not to receive messages, so none is queued.</source>
        <translation>该患者要求不接收消息，因此未加入待发送队列。</translation>
    </message>
    <message>
        <source>This patient&apos;s death is recorded, so no message is sent.</source>
        <translation>该患者已登记死亡，因此不会发送消息。</translation>
    </message>
    <message>
        <source>This patient has no mainland mobile number, e-mail address or WeChat id to send to. Add one in the patient&apos;s record, or call instead.</source>
        <translation>该患者没有可发送的内地手机号、电子邮件地址或微信号。请在患者资料中添加，或改为电话联系。</translation>
    </message>
    <message>
        <source>This message is already in the outbox.</source>
        <translation>此消息已在待发送队列中。</translation>
    </message>
    <message>
        <source>This message would mention the patient&apos;s diagnosis or a medicine they take, which messages never do (someone else may read them). Change the wording.</source>
        <translation>此消息会提及患者的诊断或所用药品，而消息中绝不能出现这些内容（可能被他人看到）。请修改措辞。</translation>
    </message>
    <message>
        <source>This message template is switched off. Switch it on under the message templates, or choose another.</source>
        <translation>此消息模板已停用。请在消息模板中启用它，或选择其他模板。</translation>
    </message>
    <message>
        <source>message</source>
        <translation>消息</translation>
    </message>
    <message>
        <source>&apos;{state}&apos; is not a message state. Use one of {all}.</source>
        <translation>“{state}”不是有效的消息状态。请使用以下之一：{all}。</translation>
    </message>
    <message>
        <source>Show from 1 to 100000 messages at a time.</source>
        <translation>每次显示 1 到 100000 条消息。</translation>
    </message>
    <message>
        <source>Say why the message is cancelled (for example: rebooked).</source>
        <translation>请说明取消消息的原因（例如：已改约）。</translation>
    </message>
    <message>
        <source>This message is {state}, so it can no longer be cancelled. Refresh the list.</source>
        <translation>此消息状态为“{state}”，已无法取消。请刷新列表。</translation>
    </message>
    <message>
        <source>This message may already have reached the patient (it is {state}). Check that it did not, then confirm to send it again.</source>
        <translation>此消息可能已送达患者（状态为“{state}”）。请先确认未送达，再确认重新发送。</translation>
    </message>
    <message>
        <source>Only a failed message can be tried again; this one is {state}.</source>
        <translation>只有发送失败的消息才能重试；此消息状态为“{state}”。</translation>
    </message>
    <message>
        <source>Only a message whose result is unknown can be marked as arrived; this one is {state}.</source>
        <translation>只有结果未知的消息才能标记为已送达；此消息状态为“{state}”。</translation>
    </message>
    <message>
        <source>Several workstations share this clinic. Choose the one that sends messages in Settings &gt; Messages, so that no message goes out twice.</source>
        <translation>本诊所有多台工作站。请在“设置 → 消息”中指定负责发送消息的工作站，以免消息重复发出。</translation>
    </message>
    <message>
        <source>Messages are sent from the workstation &apos;{name}&apos;, not this one, so that none goes out twice. Send from there, or change it in Settings &gt; Messages.</source>
        <translation>消息由工作站“{name}”发送，而不是本机，以免重复发出。请在该工作站上发送，或在“设置 → 消息”中更改。</translation>
    </message>
    <message>
        <source>Only SMS and WeChat messages go out in a batch file; e-mail is sent.</source>
        <translation>只有短信和微信消息通过批量文件发出；电子邮件会直接发送。</translation>
    </message>
    <message>
        <source>These messages are sent through the gateway &apos;{name}&apos;, so there is no batch file to make.</source>
        <translation>这些消息通过网关“{name}”发送，因此无需生成批量文件。</translation>
    </message>
    <message>
        <source>The condition to look for is too long: use at most {n} characters.</source>
        <translation>要查找的病情条件过长：最多 {n} 个字符。</translation>
    </message>
    <message>
        <source>Ages are whole numbers from 0 to 150.</source>
        <translation>年龄应为 0 到 150 之间的整数。</translation>
    </message>
    <message>
        <source>The youngest age ({low}) is above the oldest ({high}). Swap them.</source>
        <translation>最小年龄（{low}）大于最大年龄（{high}）。请对调。</translation>
    </message>
    <message>
        <source>Choose the patients&apos; sex, or any.</source>
        <translation>请选择患者性别，或选择“不限”。</translation>
    </message>
    <message>
        <source>&apos;Visited since&apos; should be a day up to today.</source>
        <translation>“就诊日期起”应为不晚于今天的日期。</translation>
    </message>
    <message>
        <source>Choose a visit category from the list, or any.</source>
        <translation>请从列表中选择就诊类型，或选择“不限”。</translation>
    </message>
    <message>
        <source>Give the campaign a name (for example: 冬季保暖提醒).</source>
        <translation>请为健康提醒命名（例如：冬季保暖提醒）。</translation>
    </message>
    <message>
        <source>The campaign&apos;s name is too long: use at most {n} characters.</source>
        <translation>健康提醒名称过长：最多 {n} 个字符。</translation>
    </message>
    <message>
        <source>A campaign message cannot use {{{name}}}: it has no appointment. Use {{honorific}}, {{clinic}} and {{clinic_phone}} only.</source>
        <translation>健康提醒消息不能使用 {{{name}}}：它不涉及预约。只能使用 {{honorific}}、{{clinic}} 和 {{clinic_phone}}。</translation>
    </message>
    <message>
        <source>The message names the condition the patients were chosen by ({word}). Messages never mention a diagnosis: write general advice instead.</source>
        <translation>消息中提到了筛选患者所依据的病情（{word}）。消息绝不能提及诊断：请改写为一般性建议。</translation>
    </message>
    <message>
        <source>A deadline needs a time with its time zone.</source>
        <translation>计算期限需要带时区的时间。</translation>
    </message>
    <message>
        <source>A time limit cannot be negative.</source>
        <translation>时限不能为负数。</translation>
    </message>
    <message>
        <source>No deadline can be found: the clinic is closed on every day for years ahead. Check the clinic&apos;s closures.</source>
        <translation>无法计算期限：今后数年诊所每天都处于停诊状态。请检查诊所的停诊设置。</translation>
    </message>
    <message>
        <source>The {what} should be a date. Choose it on the calendar.</source>
        <translation>{what}应为日期。请在日历中选择。</translation>
    </message>
    <message>
        <source>The period is {n} days long. Choose at most {max} days (a year); the yearly report compares longer spans.</source>
        <translation>所选期间长达 {n} 天。最多可选 {max} 天（一年）；更长的跨度请用年度报告对比。</translation>
    </message>
    <message>
        <source>Choose the doctor from the list.</source>
        <translation>请从列表中选择医生。</translation>
    </message>
    <message>
        <source>Show a trend of 1 to 36 months, or none.</source>
        <translation>趋势请选择 1 至 36 个月，或不显示趋势。</translation>
    </message>
    <message>
        <source>Choose a week, a month, a quarter or a year for the report.</source>
        <translation>请为报告选择周、月、季度或年度。</translation>
    </message>
    <message>
        <source>There is no table called {table} to export. Choose complaints, survey answers, follow-up calls, self-checks, root causes or metrics.</source>
        <translation>没有名为 {table} 的数据表可导出。请选择投诉、调查答卷、随访电话、自查记录、根因分析或指标。</translation>
    </message>
    <message>
        <source>questionnaire</source>
        <translation>问卷</translation>
    </message>
    <message>
        <source>Give the questions as a list.</source>
        <translation>题目应以列表形式提供。</translation>
    </message>
    <message>
        <source>A questionnaire has 1 to {most} questions; this one has {n}. Add or remove questions.</source>
        <translation>问卷须有 1 至 {most} 道题目；此问卷有 {n} 道。请添加或删除题目。</translation>
    </message>
    <message>
        <source>Question {n}: its key should be 1 to 32 small letters a-z, digits or underscores (for example: waiting_time).</source>
        <translation>第 {n} 题：代码应为 1 至 32 个小写字母 a-z、数字或下划线（例如：waiting_time）。</translation>
    </message>
    <message>
        <source>Question {n}: the key “{key}” is used twice. Give each its own.</source>
        <translation>第 {n} 题：代码“{key}”重复使用。请为每道题设置不同的代码。</translation>
    </message>
    <message>
        <source>Question {n}: choose a score from 1 to 5 or an open question.</source>
        <translation>第 {n} 题：请选择 1 至 5 分评分题或开放式问题。</translation>
    </message>
    <message>
        <source>Question {n} has no text. Write the question.</source>
        <translation>第 {n} 题没有内容。请填写题目。</translation>
    </message>
    <message>
        <source>A questionnaire needs at least one question scored from 1 to 5: the satisfaction rate is counted from those.</source>
        <translation>问卷至少需要一道 1 至 5 分的评分题：满意率根据评分题计算。</translation>
    </message>
    <message>
        <source>Give the questionnaire a name.</source>
        <translation>请为问卷命名。</translation>
    </message>
    <message>
        <source>Choose what the questionnaire is for.</source>
        <translation>请选择问卷用途。</translation>
    </message>
    <message>
        <source>Say whether the questionnaire is in use.</source>
        <translation>请说明该问卷是否启用。</translation>
    </message>
    <message>
        <source>The question “{key}” already has answers, so it cannot change between a score and an open question. Add a new question with its own key instead.</source>
        <translation>题目“{key}”已有回答，不能在评分题和开放式问题之间切换。请改为新增一道题目，并使用新的代码。</translation>
    </message>
    <message>
        <source>A survey week starts on a Monday; {day} is not one.</source>
        <translation>调查周从星期一开始；{day} 不是星期一。</translation>
    </message>
    <message>
        <source>The week of {day} has not started yet. Draw this week&apos;s sample or an earlier week&apos;s.</source>
        <translation>{day} 所在的周尚未开始。请抽取本周或之前各周的样本。</translation>
    </message>
    <message>
        <source>The week of {day} is more than a year ago: its patients are not asked any more. Choose a recent week.</source>
        <translation>{day} 所在的周已是一年多以前：不再对该周的患者进行调查。请选择最近的一周。</translation>
    </message>
    <message>
        <source>Choose how the sample is asked: by call or by form.</source>
        <translation>请选择调查方式：电话或纸质问卷。</translation>
    </message>
    <message>
        <source>A reference code is 8 letters and digits, as printed at the foot of the form (for example 3F2A-9C1B). Check it and type it again.</source>
        <translation>问卷编号由 8 位字母和数字组成，印在问卷底部（例如 3F2A-9C1B）。请核对后重新输入。</translation>
    </message>
    <message>
        <source>survey sample with that code</source>
        <translation>编号对应的调查样本</translation>
    </message>
    <message>
        <source>Give the answers as a list.</source>
        <translation>回答应以列表形式提供。</translation>
    </message>
    <message>
        <source>There is no question “{key}” in this questionnaire. Use the questions given.</source>
        <translation>此问卷中没有题目“{key}”。请使用问卷中的题目。</translation>
    </message>
    <message>
        <source>The question “{key}” is answered twice. Keep one answer.</source>
        <translation>题目“{key}”回答了两次。请只保留一个回答。</translation>
    </message>
    <message>
        <source>The question “{key}” is answered with a score from 1 (very dissatisfied) to 5 (very satisfied).</source>
        <translation>题目“{key}”应以 1（非常不满意）至 5（非常满意）的分数作答。</translation>
    </message>
    <message>
        <source>The question “{key}” takes a score from 1 to 5, not text. Write remarks in an open question.</source>
        <translation>题目“{key}”应填 1 至 5 分，不能填文字。意见请写在开放式问题中。</translation>
    </message>
    <message>
        <source>The question “{key}” is answered in words, not with a score.</source>
        <translation>题目“{key}”应以文字作答，而不是分数。</translation>
    </message>
    <message>
        <source>No question is answered. Record at least one answer, or leave it.</source>
        <translation>没有任何题目有回答。请至少记录一个回答，或放弃录入。</translation>
    </message>
    <message>
        <source>This patient&apos;s survey was already answered on {day}. Each drawn patient answers once.</source>
        <translation>该患者已于 {day} 完成调查。每位抽中的患者只回答一次。</translation>
    </message>
    <message>
        <source>Say whether the answers came by call or form.</source>
        <translation>请说明回答来自电话还是纸质问卷。</translation>
    </message>
    <message>
        <source>The answer date {day} should be today or within the last year, not in the future.</source>
        <translation>回答日期 {day} 应为今天或一年以内的日期，不能是将来的日期。</translation>
    </message>
    <message>
        <source>survey sample</source>
        <translation>调查样本</translation>
    </message>
    <message>
        <source>This patient was drawn for another questionnaire. Enter the answers on the form printed for them.</source>
        <translation>该患者被抽中填写的是另一份问卷。请按为其打印的问卷录入回答。</translation>
    </message>
    <message>
        <source>The question “{key}” is answered with a score from 1 to 5 or with words.</source>
        <translation>题目“{key}”应以 1 至 5 分或文字作答。</translation>
    </message>
    <message>
        <source>This survey call&apos;s patient is no longer in the week&apos;s sample. Close the task as no longer needed.</source>
        <translation>此调查电话的患者已不在本周样本中。请以“已无需回访”为由关闭此任务。</translation>
    </message>
    <message>
        <source>Show the results by question, doctor or department.</source>
        <translation>请选择按题目、医生或科室显示结果。</translation>
    </message>
    <message>
        <source>Choose the role of the checklist.</source>
        <translation>请选择自查表适用的岗位。</translation>
    </message>
    <message>
        <source>Give the items as a list.</source>
        <translation>条目应以列表形式提供。</translation>
    </message>
    <message>
        <source>Item {n} repeats an earlier one. Remove it.</source>
        <translation>第 {n} 项与前面的条目重复。请删除。</translation>
    </message>
    <message>
        <source>A checklist has 1 to {most} items; this one has {n}.</source>
        <translation>自查表须有 1 至 {most} 项；此表有 {n} 项。</translation>
    </message>
    <message>
        <source>Sign in as a staff member to fill in a self-check.</source>
        <translation>请以员工身份登录后填写自查。</translation>
    </message>
    <message>
        <source>A self-check is filled in for today, or for yesterday after a late shift; not for {day}.</source>
        <translation>自查只能填写当天的，或在上晚班后补填前一天的；不能填写 {day} 的。</translation>
    </message>
    <message>
        <source>Tick item {n}, or leave it unticked.</source>
        <translation>请勾选第 {n} 项，或保持不勾选。</translation>
    </message>
    <message>
        <source>Say what was missed in item {n}.</source>
        <translation>请说明第 {n} 项漏做了什么。</translation>
    </message>
    <message>
        <source>The checklist was changed while you filled it in. Open it again and answer every item.</source>
        <translation>您填写期间自查表已被修改。请重新打开并逐项填写。</translation>
    </message>
    <message>
        <source>A period is counted in months or years.</source>
        <translation>会员周期以月或年计。</translation>
    </message>
    <message>
        <source>A period is 1 to 120 months or years long.</source>
        <translation>周期长度为 1 至 120 个月或年。</translation>
    </message>
    <message>
        <source>That day ({day}) is before the membership began ({start}).</source>
        <translation>该日期（{day}）早于会员开始日期（{start}）。</translation>
    </message>
    <message>
        <source>A membership lasts at least one period.</source>
        <translation>会员资格至少为一个周期。</translation>
    </message>
    <message>
        <source>A quota is a whole number, 0 or more.</source>
        <translation>次数额度须为 0 或以上的整数。</translation>
    </message>
    <message>
        <source>A price is an amount of 0 or more.</source>
        <translation>价格须为 0 或以上的金额。</translation>
    </message>
    <message>
        <source>Choose how a change of tier is priced.</source>
        <translation>请选择变更会员等级时的计费方式。</translation>
    </message>
    <message>
        <source>The membership runs from {start} to {end}; a change on {day} is outside it. Renew it instead.</source>
        <translation>会员有效期为 {start} 至 {end}，{day} 不在有效期内，无法变更等级。请改为续费。</translation>
    </message>
    <message>
        <source>The allowance for {benefit} is used up: {used} of {quota} from {first} to {last}. The director can allow one more with a reason.</source>
        <translation>{benefit}的额度已用完：{first} 至 {last} 期间已用 {used} 次，共 {quota} 次。如需再用一次，请院长填写原因后放行。</translation>
    </message>
    <message>
        <source>The {label} is too short: say in a few words why ({n} characters or more).</source>
        <translation>{label}太短：请用几句话说明原因（至少 {n} 个字）。</translation>
    </message>
    <message>
        <source>The {label} should be an amount in cents (whole number).</source>
        <translation>{label}应为以分为单位的金额（整数）。</translation>
    </message>
    <message>
        <source>The {label} cannot be negative. Enter 0 or more (a refund is its own entry).</source>
        <translation>{label}不能为负数。请输入 0 或以上的数（退款请另行登记）。</translation>
    </message>
    <message>
        <source>The {label} should be more than 0.</source>
        <translation>{label}应大于 0。</translation>
    </message>
    <message>
        <source>The {label} is too large: at most {top}. Check the amount.</source>
        <translation>{label}过大：最多为 {top}。请核对金额。</translation>
    </message>
    <message>
        <source>Choose the tier&apos;s benefits.</source>
        <translation>请选择该等级的权益。</translation>
    </message>
    <message>
        <source>A tier has at most {n} benefits.</source>
        <translation>一个等级最多 {n} 项权益。</translation>
    </message>
    <message>
        <source>&apos;{key}&apos; is not a benefit ClinicDesk knows. Choose one from the list, or add your own benefit with its name.</source>
        <translation>“{key}”不是 ClinicDesk 可识别的权益。请从列表中选择，或填写名称添加自定义权益。</translation>
    </message>
    <message>
        <source>The benefit &apos;{key}&apos; is listed twice. Keep it once.</source>
        <translation>权益“{key}”重复列出，请只保留一项。</translation>
    </message>
    <message>
        <source>Say whether the benefit &apos;{key}&apos; is included or counted per period.</source>
        <translation>请说明权益“{key}”是包含在内，还是按期计算额度。</translation>
    </message>
    <message>
        <source>The allowance of &apos;{key}&apos; should be a whole number from 0 to {top} per period.</source>
        <translation>权益“{key}”的额度应为每期 0 至 {top} 之间的整数。</translation>
    </message>
    <message>
        <source>The allowance of &apos;{key}&apos; is counted per 1 to 10 months or years. Choose its period again.</source>
        <translation>权益“{key}”的额度以 1 至 10 个月或 1 至 10 年为一期。请重新选择周期。</translation>
    </message>
    <message>
        <source>Enter the payment&apos;s details.</source>
        <translation>请填写付款详情。</translation>
    </message>
    <message>
        <source>Say whether this is a payment or a refund.</source>
        <translation>请选择是收款还是退款。</translation>
    </message>
    <message>
        <source>The payment date {day} is in the future. Record a payment on the day it is made.</source>
        <translation>付款日期 {day} 在将来。请在实际付款当天登记。</translation>
    </message>
    <message>
        <source>Choose how it was paid: cash, bank card, WeChat Pay, Alipay, bank transfer or other.</source>
        <translation>请选择付款方式：现金、银行卡、微信支付、支付宝、银行转账或其他。</translation>
    </message>
    <message>
        <source>membership tier</source>
        <translation>会员等级</translation>
    </message>
    <message>
        <source>membership</source>
        <translation>会员</translation>
    </message>
    <message>
        <source>{name} is already a member ({tier}, card {card}, until {end}). Renew or change that membership instead.</source>
        <translation>{name} 已是会员（{tier}，卡号 {card}，有效期至 {end}）。请改为对该会员卡续费或变更等级。</translation>
    </message>
    <message>
        <source>{name} has died ({day}), so cannot be enrolled. Choose another person.</source>
        <translation>{name} 已去世（{day}），无法办理会员。请选择其他人。</translation>
    </message>
    <message>
        <source>Choose how the member is related to the payer: spouse, child, parent or other.</source>
        <translation>请选择该成员与付款人的关系：配偶、子女、父母或其他。</translation>
    </message>
    <message>
        <source>This membership (card {card}) was cancelled, so it cannot be changed or renewed. Enrol the person again instead.</source>
        <translation>此会员（卡号 {card}）已注销，无法变更或续费。请为其重新办理会员。</translation>
    </message>
    <message>
        <source>The tier {tier} covers at most {n} people, and {m} were given. Remove someone, or choose a family tier.</source>
        <translation>“{tier}”等级最多 {n} 人，当前填写了 {m} 人。请移除部分人员，或选择家庭等级。</translation>
    </message>
    <message>
        <source>Fill in the tier&apos;s details.</source>
        <translation>请填写等级详情。</translation>
    </message>
    <message>
        <source>The code &apos;{code}&apos; may hold only Latin letters, digits and &apos;_&apos;, starting with a letter (for example gold_family).</source>
        <translation>代码“{code}”只能包含英文字母、数字和“_”，并以字母开头（例如 gold_family）。</translation>
    </message>
    <message>
        <source>A tier runs for 1 to 120 months or 1 to 10 years. Choose its period again.</source>
        <translation>等级的周期为 1 至 120 个月或 1 至 10 年。请重新选择周期。</translation>
    </message>
    <message>
        <source>A tier covers 1 to {n} people (more than 1: a family tier).</source>
        <translation>一个等级覆盖 1 至 {n} 人（超过 1 人即为家庭等级）。</translation>
    </message>
    <message>
        <source>Choose the colour again (like #C9A227).</source>
        <translation>请重新选择颜色（如 #C9A227）。</translation>
    </message>
    <message>
        <source>Another tier already has the code &apos;{code}&apos;. Choose another code.</source>
        <translation>已有其他等级使用代码“{code}”。请换一个代码。</translation>
    </message>
    <message>
        <source>Another tier now has the code &apos;{code}&apos;. Change one of the codes first.</source>
        <translation>现在已有其他等级使用代码“{code}”。请先修改其中一个代码。</translation>
    </message>
    <message>
        <source>The tier {tier} is in use by {n} memberships, so it cannot be deleted. Retire it instead: no one new can join it, and its members keep it until their membership ends.</source>
        <translation>“{tier}”等级正被 {n} 个会员使用，无法删除。请改为停用：停用后不能再办理该等级，现有会员可继续使用至到期。</translation>
    </message>
    <message>
        <source>Fill in the enrolment&apos;s details.</source>
        <translation>请填写办理会员的详情。</translation>
    </message>
    <message>
        <source>The start date {day} is more than a year ahead, or too long ago. Check the date.</source>
        <translation>开始日期 {day} 在一年以后，或已过去太久。请检查日期。</translation>
    </message>
    <message>
        <source>A membership is bought for 1 to {n} periods at a time.</source>
        <translation>每次办理可购买 1 至 {n} 期。</translation>
    </message>
    <message>
        <source>The tier {tier} is retired: no one new can join it. Choose another tier, or ask the director to offer it again.</source>
        <translation>“{tier}”等级已停用，不能再办理。请选择其他等级，或请院长重新启用。</translation>
    </message>
    <message>
        <source>{name} is listed twice. Each person is a member once.</source>
        <translation>{name} 被列了两次。每人只能列入一次。</translation>
    </message>
    <message>
        <source>A membership is renewed for 1 to {n} periods at a time.</source>
        <translation>每次可续费 1 至 {n} 期。</translation>
    </message>
    <message>
        <source>This membership ended on {end}. Renew it first, then change its tier.</source>
        <translation>此会员已于 {end} 到期。请先续费，再变更等级。</translation>
    </message>
    <message>
        <source>The membership is already in this tier. Choose a different tier.</source>
        <translation>该会员已是此等级。请选择其他等级。</translation>
    </message>
    <message>
        <source>Only a running membership can be suspended; this one is {status}.</source>
        <translation>只有有效的会员才能暂停；此会员当前为“{status}”。</translation>
    </message>
    <message>
        <source>This membership is not suspended; nothing to resume.</source>
        <translation>此会员未暂停，无需恢复。</translation>
    </message>
    <message>
        <source>This membership is already cancelled.</source>
        <translation>此会员已注销。</translation>
    </message>
    <message>
        <source>Choose the person to add.</source>
        <translation>请选择要添加的人员。</translation>
    </message>
    <message>
        <source>This membership ended on {end}. Renew it first, then add people.</source>
        <translation>此会员已于 {end} 到期。请先续费，再添加人员。</translation>
    </message>
    <message>
        <source>{name} is already in this membership.</source>
        <translation>{name} 已是此会员的成员。</translation>
    </message>
    <message>
        <source>The payer cannot be removed from their own membership. Cancel the membership, or enrol the family again with another payer.</source>
        <translation>不能将付款人从其本人的会员中移除。请注销该会员，或改由其他付款人为家庭重新办理会员。</translation>
    </message>
    <message>
        <source>member</source>
        <translation>成员</translation>
    </message>
    <message>
        <source>A care team has at most 10 people.</source>
        <translation>健康管家团队最多 10 人。</translation>
    </message>
    <message>
        <source>The tier {tier} has no care team. Change to a tier with a private health butler first.</source>
        <translation>“{tier}”等级没有健康管家团队。请先变更为含私人健康管家的等级。</translation>
    </message>
    <message>
        <source>Choose each care team member&apos;s role: doctor, nutritionist, trainer or other.</source>
        <translation>请为每位健康管家团队成员选择角色：医生、营养师、健身教练或其他。</translation>
    </message>
    <message>
        <source>That staff member&apos;s account is disabled or gone. Choose someone else for the care team.</source>
        <translation>该员工的账号已停用或不存在。请为健康管家团队另选一人。</translation>
    </message>
    <message>
        <source>Give the name of a care team member from outside the clinic, or choose a staff member.</source>
        <translation>请填写诊所外健康管家团队成员的姓名，或选择一名员工。</translation>
    </message>
    <message>
        <source>The tier {tier} has no allowance of &apos;{benefit}&apos; to count. Book it as a normal appointment, or change the membership&apos;s tier.</source>
        <translation>“{tier}”等级没有可计入的“{benefit}”额度。请按普通预约办理，或变更该会员的等级。</translation>
    </message>
    <message>
        <source>The membership (card {card}) is {status} on {day}, so its benefits cannot be used then. Resume or renew it first.</source>
        <translation>会员（卡号 {card}）在 {day} 的状态为“{status}”，当天不能使用权益。请先恢复或续费。</translation>
    </message>
    <message>
        <source>This patient is not a member of the membership (card {card}). Add them to it first, or choose the right membership.</source>
        <translation>该患者不是此会员（卡号 {card}）的成员。请先将其添加为成员，或选择正确的会员。</translation>
    </message>
    <message>
        <source>benefit use</source>
        <translation>权益使用记录</translation>
    </message>
    <message>
        <source>This use was already given back. Refresh the list.</source>
        <translation>此次使用已撤销。请刷新列表。</translation>
    </message>
    <message>
        <source>Choose which memberships to show.</source>
        <translation>请选择要显示哪些会员。</translation>
    </message>
    <message>
        <source>Type a name, phone or card number.</source>
        <translation>请输入姓名、电话或卡号。</translation>
    </message>
    <message>
        <source>Give the number of days ahead, 0 or more.</source>
        <translation>请输入提前天数（0 或以上）。</translation>
    </message>
    <message>
        <source>The last day is before the first. Swap them.</source>
        <translation>结束日期早于开始日期。请将两者对调。</translation>
    </message>
    <message>
        <source>This overdraft was already reviewed. Refresh the list.</source>
        <translation>此超额使用已查看过。请刷新列表。</translation>
    </message>
</context>
<context>
    <name>EscalationNotice</name>
    <message>
        <source>Serious complaints</source>
        <translation>严重投诉</translation>
    </message>
    <message numerus="yes">
        <source>%n serious complaint(s) escalated to you</source>
        <translation>
            <numerusform>有 %n 件严重投诉上报给您</numerusform>
        </translation>
    </message>
    <message>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <source>Seen</source>
        <translation>已阅</translation>
    </message>
    <message>
        <source>You have read it: it leaves this notice</source>
        <translation>已阅：不再在此提醒</translation>
    </message>
    <message>
        <source>Number</source>
        <translation>编号</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>收到时间</translation>
    </message>
    <message>
        <source>Owner</source>
        <translation>负责人</translation>
    </message>
    <message>
        <source>Gist</source>
        <translation>摘要</translation>
    </message>
</context>
<context>
    <name>ExceptionDialog</name>
    <message>
        <source>Day off or extra hours</source>
        <translation>休息或加诊</translation>
    </message>
    <message>
        <source>For {name}. An absence that needs patients contacted is recorded on the absence screen instead.</source>
        <translation>{name}的排班调整。需要联系患者的停诊，请改在停诊页面登记。</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>调整类型</translation>
    </message>
    <message>
        <source>Day off</source>
        <translation>休息</translation>
    </message>
    <message>
        <source>Extra hours</source>
        <translation>加诊</translation>
    </message>
    <message>
        <source>Hours</source>
        <translation>时段</translation>
    </message>
    <message>
        <source>Whole day</source>
        <translation>全天</translation>
    </message>
    <message>
        <source>from, e.g. 08:00</source>
        <translation>开始，例如 08:00</translation>
    </message>
    <message>
        <source>to, e.g. 12:00</source>
        <translation>结束，例如 12:00</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
</context>
<context>
    <name>Features</name>
    <message>
        <source>Reception</source>
        <translation>前台</translation>
    </message>
    <message>
        <source>Calendar</source>
        <translation>日程</translation>
    </message>
    <message>
        <source>Patients</source>
        <translation>患者</translation>
    </message>
    <message>
        <source>Follow-ups</source>
        <translation>回访</translation>
    </message>
    <message>
        <source>Complaints &amp; quality</source>
        <translation>投诉与质量</translation>
    </message>
    <message>
        <source>Membership</source>
        <translation>会员</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>My queue</source>
        <translation>我的候诊队列</translation>
    </message>
</context>
<context>
    <name>FieldsDialog</name>
    <message>
        <source>e.g. 2024-05-01</source>
        <translation>例如 2024-05-01</translation>
    </message>
    <message>
        <source>This is not a date: type it as year-month-day, e.g. 2024-05-01.</source>
        <translation>这不是有效的日期：请按“年-月-日”格式输入，例如 2024-05-01。</translation>
    </message>
</context>
<context>
    <name>FinishDialog</name>
    <message>
        <source>Choose the kind of visit…</source>
        <extracomment>queue statuses each button acts on (the service checks again and says why not)</extracomment>
        <translation>请选择就诊类型…</translation>
    </message>
    <message>
        <source>Finish the consultation</source>
        <translation>结束就诊</translation>
    </message>
    <message>
        <source>Kind of visit</source>
        <translation>就诊类型</translation>
    </message>
    <message>
        <source>No. {number} · {patient}</source>
        <translation>{number} 号 · {patient}</translation>
    </message>
    <message>
        <source>Finish</source>
        <translation>结束就诊</translation>
    </message>
    <message>
        <source>Choose the kind of visit: the follow-up plan depends on it.</source>
        <translation>请选择就诊类型：回访计划取决于此。</translation>
    </message>
</context>
<context>
    <name>Followup</name>
    <message>
        <source>Phone call</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Text message</source>
        <translation>短信</translation>
    </message>
    <message>
        <source>WeChat</source>
        <translation>微信</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>电子邮件</translation>
    </message>
    <message>
        <source>Letter</source>
        <translation>信件</translation>
    </message>
    <message>
        <source>Home visit</source>
        <translation>上门随访</translation>
    </message>
    <message>
        <source>Attending doctor</source>
        <translation>主治医生</translation>
    </message>
    <message>
        <source>Nurse</source>
        <translation>护士</translation>
    </message>
    <message>
        <source>Customer service</source>
        <translation>客服</translation>
    </message>
    <message>
        <source>Health manager</source>
        <translation>健康管理师</translation>
    </message>
    <message>
        <source>Follow-up after a visit</source>
        <translation>诊后回访</translation>
    </message>
    <message>
        <source>Confirm tomorrow&apos;s appointment</source>
        <translation>确认明日预约</translation>
    </message>
    <message>
        <source>Missed appointment</source>
        <translation>爽约回访</translation>
    </message>
    <message>
        <source>Added by hand</source>
        <translation>手动添加</translation>
    </message>
    <message>
        <source>Satisfaction survey</source>
        <translation>满意度调查</translation>
    </message>
    <message>
        <source>Membership renewal</source>
        <translation>会员续费</translation>
    </message>
    <message>
        <source>Annual health plan check-in</source>
        <translation>年度健康计划回访</translation>
    </message>
    <message>
        <source>Reached</source>
        <translation>已接通</translation>
    </message>
    <message>
        <source>No answer</source>
        <translation>无人接听</translation>
    </message>
    <message>
        <source>Wrong number</source>
        <translation>号码错误</translation>
    </message>
    <message>
        <source>Refused to talk</source>
        <translation>拒绝沟通</translation>
    </message>
    <message>
        <source>Recovered</source>
        <translation>已痊愈</translation>
    </message>
    <message>
        <source>Improving</source>
        <translation>好转</translation>
    </message>
    <message>
        <source>Unchanged</source>
        <translation>无变化</translation>
    </message>
    <message>
        <source>Worse</source>
        <translation>加重</translation>
    </message>
    <message>
        <source>Takes it as prescribed</source>
        <translation>遵医嘱服药</translation>
    </message>
    <message>
        <source>Sometimes misses a dose</source>
        <translation>偶有漏服</translation>
    </message>
    <message>
        <source>Stopped taking it</source>
        <translation>已停药</translation>
    </message>
    <message>
        <source>No medication</source>
        <translation>无用药</translation>
    </message>
    <message>
        <source>Good</source>
        <translation>满意</translation>
    </message>
    <message>
        <source>Acceptable</source>
        <translation>一般</translation>
    </message>
    <message>
        <source>Poor</source>
        <translation>不满意</translation>
    </message>
</context>
<context>
    <name>FollowupClose</name>
    <message>
        <source>The patient died</source>
        <translation>患者已死亡</translation>
    </message>
    <message>
        <source>The patient asked not to be contacted</source>
        <translation>患者要求不再联系</translation>
    </message>
    <message>
        <source>The visit&apos;s category was changed</source>
        <translation>就诊类别已更改</translation>
    </message>
    <message>
        <source>No longer needed</source>
        <translation>已无需回访</translation>
    </message>
    <message>
        <source>The appointment was cancelled, moved or confirmed</source>
        <translation>预约已取消、改期或已确认</translation>
    </message>
    <message>
        <source>Not reached after several tries</source>
        <translation>多次联系未果</translation>
    </message>
    <message>
        <source>No working contact (wrong number)</source>
        <translation>无有效联系方式（号码错误）</translation>
    </message>
    <message>
        <source>Duplicate of another task</source>
        <translation>与其他任务重复</translation>
    </message>
    <message>
        <source>The membership was renewed</source>
        <translation>会员已续费</translation>
    </message>
</context>
<context>
    <name>FollowupPlansTab</name>
    <message>
        <source>—</source>
        <translation>—</translation>
    </message>
    <message>
        <source>checks</source>
        <translation>核查</translation>
    </message>
    <message>
        <source>This call also asks whether the earlier levels&apos; calls happened.</source>
        <translation>此次回访还需核实前几级回访是否已完成。</translation>
    </message>
    <message>
        <source>After (days)</source>
        <translation>就诊后（天）</translation>
    </message>
    <message>
        <source>Within (days)</source>
        <translation>期限（天）</translation>
    </message>
    <message>
        <source>How</source>
        <translation>方式</translation>
    </message>
    <message>
        <source>Who calls</source>
        <translation>回访人</translation>
    </message>
    <message>
        <source>Level</source>
        <translation>级别</translation>
    </message>
    <message>
        <source>Earlier levels</source>
        <translation>前级核查</translation>
    </message>
    <message>
        <source>Days after the visit finished when the call is due (0: the same day).</source>
        <translation>就诊结束后第几天应回访（0 表示当天）。</translation>
    </message>
    <message>
        <source>How many days the caller has from then; a closed day moves the deadline.</source>
        <translation>自该日起可用于回访的天数；截止日遇休息日按规则顺延或提前。</translation>
    </message>
    <message>
        <source>Levels 1-3 of the chronic discharge plan; “—” for other plans.</source>
        <translation>慢病出院三级回访的第 1-3 级；其他方案为“—”。</translation>
    </message>
    <message>
        <source>Make follow-ups for this kind of visit</source>
        <translation>此类就诊生成回访任务</translation>
    </message>
    <message>
        <source>Add a step</source>
        <translation>添加一步</translation>
    </message>
    <message>
        <source>Remove the step</source>
        <translation>删除此步</translation>
    </message>
    <message>
        <source>Random sample each month</source>
        <translation>每月随机抽样比例</translation>
    </message>
    <message>
        <source>A changed plan applies to visits finished from now on. Follow-ups already on the list keep their dates.</source>
        <translation>修改后的方案适用于今后结束的就诊；已在回访清单上的任务保持原日期不变。</translation>
    </message>
    <message>
        <source>Only a supervisor (the director or a health manager) can change the plans.</source>
        <translation>只有主管（院长或健康管理师）可以修改回访方案。</translation>
    </message>
    <message>
        <source>Restore the default…</source>
        <translation>恢复默认…</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>{category} (changed)</source>
        <translation>{category}（已修改）</translation>
    </message>
    <message>
        <source>Unsaved changes</source>
        <translation>尚未保存的修改</translation>
    </message>
    <message>
        <source>The changes to the plan for “{category}” are not saved. Discard them?</source>
        <translation>“{category}”回访方案的修改尚未保存。要放弃这些修改吗？</translation>
    </message>
    <message>
        <source>Changed here, not saved yet.</source>
        <translation>已在此修改，尚未保存。</translation>
    </message>
    <message>
        <source>The shipped default plan.</source>
        <translation>系统自带的默认方案。</translation>
    </message>
    <message>
        <source>Changed by the clinic.</source>
        <translation>已由本诊所修改。</translation>
    </message>
    <message>
        <source>Visits of this kind get a call only if drawn in the sample: this share of them, chosen at random.</source>
        <translation>此类就诊仅在被抽中时才回访：按此比例随机抽取。</translation>
    </message>
    <message>
        <source>Saved. Visits finished from now on follow this plan; follow-ups already on the list keep their dates.</source>
        <translation>已保存。今后结束的就诊将按此方案回访；已在清单上的回访保持原日期。</translation>
    </message>
    <message>
        <source>Restore the default plan</source>
        <translation>恢复默认方案</translation>
    </message>
    <message>
        <source>Replace the plan for “{category}” with the one ClinicDesk ships? Follow-ups already on the list keep their dates.</source>
        <translation>要用系统自带的方案替换“{category}”的回访方案吗？已在清单上的回访保持原日期。</translation>
    </message>
    <message>
        <source>The default plan is back.</source>
        <translation>已恢复默认方案。</translation>
    </message>
</context>
<context>
    <name>Followups</name>
    <message>
        <source>Open</source>
        <translation>待处理</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>已关闭</translation>
    </message>
    <message>
        <source>Confirm the appointment at {time}</source>
        <translation>确认 {time} 的预约</translation>
    </message>
    <message>
        <source>Missed the appointment at {time}</source>
        <translation>爽约：{time} 的预约</translation>
    </message>
    <message>
        <source>{plan}, level {level}</source>
        <translation>{plan}，{level}级回访</translation>
    </message>
    <message>
        <source>%n day(s) overdue</source>
        <translation>已逾期 %n 天</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今天</translation>
    </message>
    <message>
        <source>By {day}</source>
        <translation>{day} 前</translation>
    </message>
    <message>
        <source>{role} (anyone)</source>
        <translation>{role}（任一人）</translation>
    </message>
    <message>
        <source>try again after {time}</source>
        <translation>{time} 后再拨</translation>
    </message>
</context>
<context>
    <name>FollowupsPage</name>
    <message>
        <source>Today&apos;s calls</source>
        <translation>今日回访</translation>
    </message>
    <message>
        <source>Messages</source>
        <translation>消息</translation>
    </message>
    <message>
        <source>Spot checks</source>
        <translation>抽查</translation>
    </message>
    <message>
        <source>Follow-up rates</source>
        <translation>回访率</translation>
    </message>
    <message>
        <source>Forwarded suggestions</source>
        <translation>抄告建议</translation>
    </message>
    <message>
        <source>Health reminders…</source>
        <translation>健康提醒…</translation>
    </message>
    <message>
        <source>Seasonal advice or condition tips to a group of patients, by message</source>
        <translation>通过消息向一组患者发送季节性建议或病情提示</translation>
    </message>
</context>
<context>
    <name>ForwardsPanel</name>
    <message>
        <source>&amp;Show</source>
        <translation>显示(&amp;S)</translation>
    </message>
    <message>
        <source>Waiting for an answer</source>
        <translation>待回复</translation>
    </message>
    <message>
        <source>Answered</source>
        <translation>已回复</translation>
    </message>
    <message>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>Answer…</source>
        <translation>回复…</translation>
    </message>
    <message>
        <source>Suggestions heard on follow-up calls and forwarded to a department (抄告). Each stays here until the department&apos;s answer is recorded.</source>
        <translation>回访中收集并抄告相关科室的建议。每条建议会一直留在此处，直至登记科室的回复。</translation>
    </message>
    <message>
        <source>Forwarded</source>
        <translation>抄告日期</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>患者</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>科室</translation>
    </message>
    <message>
        <source>Suggestion</source>
        <translation>建议</translation>
    </message>
    <message>
        <source>By</source>
        <translation>抄告人</translation>
    </message>
    <message>
        <source>Answer</source>
        <translation>回复</translation>
    </message>
    <message>
        <source>{answer} ({who}, {day})</source>
        <translation>{answer}（{who}，{day}）</translation>
    </message>
    <message>
        <source>Nothing here.</source>
        <translation>暂无内容。</translation>
    </message>
    <message>
        <source>The department&apos;s answer</source>
        <translation>科室回复</translation>
    </message>
    <message>
        <source>{department}, about {patient}: {text}</source>
        <translation>{department}，关于{patient}：{text}</translation>
    </message>
</context>
<context>
    <name>GreenChannelDialog</name>
    <message>
        <source>Green channel</source>
        <translation>绿色通道</translation>
    </message>
    <message>
        <source>the doctor</source>
        <translation>医生</translation>
    </message>
    <message>
        <source>✚ Green channel for No. {no}</source>
        <translation>✚ {no} 号绿色通道</translation>
    </message>
    <message>
        <source>An emergency: the patient goes first in {doctor}&apos;s queue, before everyone waiting.</source>
        <translation>急诊情况：患者在{doctor}的候诊队列中排在第一位，优先于所有候诊患者。</translation>
    </message>
    <message>
        <source>Reason (required), e.g. chest pain, high fever in a baby</source>
        <translation>原因（必填），例如：胸痛、婴儿高烧</translation>
    </message>
    <message>
        <source>Everyone sees the mark and the reason on the board and in the doctor&apos;s queue, and it is recorded in the audit log with your name and the time.</source>
        <translation>所有人都会在看板和医生的候诊队列中看到此标记及原因，并且会连同您的姓名和时间记入审计日志。</translation>
    </message>
    <message>
        <source>Write the reason for the green channel; the doctor reads it first.</source>
        <translation>请填写走绿色通道的原因；医生会首先看到。</translation>
    </message>
    <message>
        <source>The reason is too long: keep it under {n} characters.</source>
        <translation>原因太长：请控制在 {n} 个字符以内。</translation>
    </message>
</context>
<context>
    <name>GroupForm</name>
    <message>
        <source>Restore defaults</source>
        <translation>恢复默认值</translation>
    </message>
    <message>
        <source>Fill in the standard values for this group. Nothing changes until you press Save. The clinic&apos;s name, address and phone are kept.</source>
        <translation>为本组填入标准值。按“保存”之前不会有任何更改。诊所名称、地址和电话保持不变。</translation>
    </message>
</context>
<context>
    <name>Import</name>
    <message>
        <source>Full name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Family name</source>
        <translation>姓</translation>
    </message>
    <message>
        <source>Given name</source>
        <translation>名</translation>
    </message>
    <message>
        <source>Sex</source>
        <translation>性别</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>出生日期</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Second phone</source>
        <translation>备用电话</translation>
    </message>
    <message>
        <source>ID document type</source>
        <translation>证件类型</translation>
    </message>
    <message>
        <source>ID document number</source>
        <translation>证件号码</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Occupation</source>
        <translation>职业</translation>
    </message>
    <message>
        <source>Title or position</source>
        <translation>职务或头衔</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>电子邮件</translation>
    </message>
    <message>
        <source>WeChat</source>
        <translation>微信</translation>
    </message>
    <message>
        <source>QQ</source>
        <translation>QQ</translation>
    </message>
    <message>
        <source>Preferred contact</source>
        <translation>首选联系方式</translation>
    </message>
    <message>
        <source>How they came</source>
        <translation>来源渠道</translation>
    </message>
    <message>
        <source>Special needs</source>
        <translation>特殊需求</translation>
    </message>
    <message>
        <source>Emergency contact</source>
        <translation>紧急联系人</translation>
    </message>
    <message>
        <source>Emergency contact relation</source>
        <translation>紧急联系人关系</translation>
    </message>
    <message>
        <source>Emergency contact phone</source>
        <translation>紧急联系人电话</translation>
    </message>
    <message>
        <source>Desk notes</source>
        <translation>前台备注</translation>
    </message>
    <message>
        <source>How to address</source>
        <translation>称呼</translation>
    </message>
    <message>
        <source>Do not import</source>
        <translation>不导入</translation>
    </message>
    <message>
        <source>Row</source>
        <translation>行</translation>
    </message>
    <message>
        <source>Column</source>
        <translation>列</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
</context>
<context>
    <name>ImportPatientsDialog</name>
    <message>
        <source>Import patients</source>
        <translation>导入患者</translation>
    </message>
    <message>
        <source>Import patients from an Excel or CSV list</source>
        <translation>从 Excel 或 CSV 名单导入患者</translation>
    </message>
    <message>
        <source>Choose the file, check which column holds what, then check the rows before importing. Rows already registered are skipped, so importing the same file again adds nobody twice.</source>
        <translation>请选择文件，核对每一列对应的内容，然后在导入前检查各行数据。已登记的行会被跳过，因此重复导入同一个文件不会重复添加任何人。</translation>
    </message>
    <message>
        <source>No file chosen</source>
        <translation>未选择文件</translation>
    </message>
    <message>
        <source>Choose file…</source>
        <translation>选择文件…</translation>
    </message>
    <message>
        <source>The sheet of the workbook to import</source>
        <translation>要导入的工作表</translation>
    </message>
    <message>
        <source>Columns in the file and what they are imported as:</source>
        <translation>文件中的列及其导入方式：</translation>
    </message>
    <message>
        <source>Column in the file</source>
        <translation>文件中的列</translation>
    </message>
    <message>
        <source>First rows</source>
        <translation>前几行内容</translation>
    </message>
    <message>
        <source>Imported as</source>
        <translation>导入为</translation>
    </message>
    <message>
        <source>Row</source>
        <translation>行</translation>
    </message>
    <message>
        <source>Column</source>
        <translation>列</translation>
    </message>
    <message>
        <source>Why it was not imported</source>
        <translation>未导入的原因</translation>
    </message>
    <message>
        <source>Check without saving</source>
        <translation>仅检查，不保存</translation>
    </message>
    <message>
        <source>Import</source>
        <translation>导入</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Save report…</source>
        <translation>保存报告…</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Cancelled before anything was saved.</source>
        <translation>已取消，未保存任何内容。</translation>
    </message>
    <message>
        <source>Choose the patient list</source>
        <translation>选择患者名单</translation>
    </message>
    <message>
        <source>Excel or CSV (*.xlsx *.xlsm *.csv *.txt);;All files (*)</source>
        <translation>Excel 或 CSV (*.xlsx *.xlsm *.csv *.txt);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Excel workbook, sheet {sheet}; header in row {row}; {n} rows.</source>
        <translation>Excel 工作簿，工作表 {sheet}；表头在第 {row} 行；共 {n} 行。</translation>
    </message>
    <message>
        <source>CSV text ({encoding}); header in row {row}; {n} rows.</source>
        <translation>CSV 文本（{encoding}）；表头在第 {row} 行；共 {n} 行。</translation>
    </message>
    <message>
        <source>Checking the rows…</source>
        <translation>正在检查各行…</translation>
    </message>
    <message>
        <source>Importing the patients…</source>
        <translation>正在导入患者…</translation>
    </message>
    <message>
        <source>Checked {rows} rows without saving: {imported} would be imported, {present} are already registered, {rejected} have a problem.</source>
        <translation>已检查 {rows} 行（未保存）：{imported} 行可导入，{present} 行已登记，{rejected} 行有问题。</translation>
    </message>
    <message>
        <source>{rows} rows: {imported} imported, {present} already registered, {rejected} not imported because of a problem.</source>
        <translation>共 {rows} 行：已导入 {imported} 行，{present} 行已登记，{rejected} 行因有问题未导入。</translation>
    </message>
    <message>
        <source>Cancelled: the {n} patients imported before stay; import the same file again to add the rest.</source>
        <translation>已取消：之前已导入的 {n} 位患者会保留；再次导入同一文件即可添加其余患者。</translation>
    </message>
    <message>
        <source>The {n} patients imported before the problem stay; import the same file again to add the rest.</source>
        <translation>出现问题之前已导入的 {n} 位患者会保留；再次导入同一文件即可添加其余患者。</translation>
    </message>
    <message>
        <source>The first {n} problems are shown; the saved report lists them all.</source>
        <translation>此处仅显示前 {n} 个问题；保存的报告中列出了全部问题。</translation>
    </message>
    <message>
        <source>problems</source>
        <translation>问题</translation>
    </message>
    <message>
        <source>Save the report</source>
        <translation>保存报告</translation>
    </message>
    <message>
        <source>CSV (*.csv)</source>
        <translation>CSV (*.csv)</translation>
    </message>
    <message>
        <source>Report saved to {path}.</source>
        <translation>报告已保存到 {path}。</translation>
    </message>
</context>
<context>
    <name>IncomingReferralsPanel</name>
    <message>
        <source>Incoming referrals ({n})</source>
        <translation>转入转诊（{n}）</translation>
    </message>
    <message>
        <source>Urgency</source>
        <translation>紧急程度</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>患者</translation>
    </message>
    <message>
        <source>Referred by</source>
        <translation>转诊来源</translation>
    </message>
    <message>
        <source>Since</source>
        <translation>转诊时间</translation>
    </message>
</context>
<context>
    <name>IntakeDialog</name>
    <message>
        <source>Record a complaint</source>
        <extracomment>the complaint was recorded: its id (the list opens it)</extracomment>
        <translation>登记投诉</translation>
    </message>
    <message>
        <source>Write down what the person says, in their words. You receive it, so you own it until it is closed or handed over; its deadlines start from the time received.</source>
        <translation>按对方的原话记录。您接待，您就是负责人，直至结案或移交；各项时限从收到时起算。</translation>
    </message>
    <message>
        <source>How it came</source>
        <translation>投诉来源</translation>
    </message>
    <message>
        <source>Complainant</source>
        <translation>投诉人</translation>
    </message>
    <message>
        <source>Name as given</source>
        <translation>对方提供的姓名</translation>
    </message>
    <message>
        <source>Contact</source>
        <translation>联系方式</translation>
    </message>
    <message>
        <source>Phone, e-mail or WeChat, as given</source>
        <translation>电话、邮箱或微信，按对方提供的填写</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Patient (optional)</source>
        <translation>患者（可不填）</translation>
    </message>
    <message>
        <source>Find the patient: name, phone digits…</source>
        <translation>查找患者：姓名、电话号码…</translation>
    </message>
    <message>
        <source>Not a patient</source>
        <translation>不是患者</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>科室</translation>
    </message>
    <message>
        <source>Staff concerned</source>
        <translation>涉及员工</translation>
    </message>
    <message>
        <source>As the complainant put it</source>
        <translation>按投诉人的说法</translation>
    </message>
    <message>
        <source>(not one of our staff by name)</source>
        <translation>（未指明哪位员工）</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>严重程度</translation>
    </message>
    <message>
        <source>Complexity</source>
        <translation>复杂程度</translation>
    </message>
    <message>
        <source>A complex dispute has 20 days for the answer instead of one</source>
        <translation>复杂纠纷的答复时限为 20 天，而不是 1 天</translation>
    </message>
    <message>
        <source>Received at</source>
        <translation>收到时间</translation>
    </message>
    <message>
        <source>Now, or earlier for a letter that arrived before it was opened</source>
        <translation>现在；信件早于拆阅时送到的，填送到时间</translation>
    </message>
    <message>
        <source>The complaint</source>
        <translation>投诉内容</translation>
    </message>
    <message>
        <source>A serious complaint goes to the director at once, when you save it.</source>
        <translation>严重投诉在保存时立即上报院长。</translation>
    </message>
    <message>
        <source>Serious: harm to a patient, a safety risk or a threat to go public.</source>
        <translation>严重：患者受到伤害、存在安全风险或扬言投诉到外部。</translation>
    </message>
</context>
<context>
    <name>JoinPage</name>
    <message>
        <source>Join a clinic that already syncs</source>
        <translation>加入已启用同步的诊所</translation>
    </message>
    <message>
        <source>On a computer that already syncs, the director opens Settings → Sync → Add a workstation, which shows a pairing code and a QR code. Type the hub address and the code here, or scan the QR code into the code field. The director then signs in here once to confirm.</source>
        <translation>请院长在一台已启用同步的电脑上打开“设置 → 同步 → 添加工作站”，屏幕上会显示配对码和二维码。请在此输入同步服务器地址和配对码，或将二维码扫描到配对码栏中。随后院长需在此登录一次以确认。</translation>
    </message>
    <message>
        <source>Hub address</source>
        <translation>同步服务器地址</translation>
    </message>
    <message>
        <source>Pairing code</source>
        <translation>配对码</translation>
    </message>
    <message>
        <source>e.g. 7KQ2M-XW4PD-9RTZB-H3N6C</source>
        <translation>例如 7KQ2M-XW4PD-9RTZB-H3N6C</translation>
    </message>
    <message>
        <source>Director&apos;s user name</source>
        <translation>院长的用户名</translation>
    </message>
    <message>
        <source>Director&apos;s password</source>
        <translation>院长的密码</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>{clinic} — ClinicDesk</source>
        <translation>{clinic} — ClinicDesk 诊所管理系统</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Go</source>
        <translation>转到(&amp;G)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>Find a patient…</source>
        <translation>查找患者…</translation>
    </message>
    <message>
        <source>Lock screen</source>
        <translation>锁屏</translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation>退出登录</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出程序</translation>
    </message>
    <message>
        <source>About ClinicDesk</source>
        <translation>关于 ClinicDesk</translation>
    </message>
    <message>
        <source>Sync now</source>
        <translation>立即同步</translation>
    </message>
    <message>
        <source>Find a patient: name, pinyin, phone digits, ID (Ctrl+K / F2)</source>
        <translation>查找患者：姓名、拼音、电话号码、证件号码（Ctrl+K / F2）</translation>
    </message>
    <message>
        <source>That screen is not open to your role; ask a colleague who uses it.</source>
        <translation>您的角色无法打开该页面；请找使用该页面的同事协助。</translation>
    </message>
    <message>
        <source>Not signed in</source>
        <translation>未登录</translation>
    </message>
    <message>
        <source>{name} ({role}) · {workstation}</source>
        <translation>{name}（{role}）· 工作站：{workstation}</translation>
    </message>
    <message>
        <source>ClinicDesk {version}
An offline-first desktop program for small private clinics.</source>
        <translation>ClinicDesk {version}
面向小型私立诊所、离线优先的桌面软件。</translation>
    </message>
</context>
<context>
    <name>MedicationCardDialog</name>
    <message>
        <source>Print medication card</source>
        <translation>打印用药提醒卡</translation>
    </message>
    <message>
        <source>Large print (大字版)</source>
        <translation>大字版</translation>
    </message>
    <message>
        <source>Chinese and English</source>
        <translation>中英文对照</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>尺寸</translation>
    </message>
    <message>
        <source>Suggested: the patient is {age}; large print from age {n}.</source>
        <translation>建议使用大字版：患者 {age} 岁，{n} 岁起建议使用大字版。</translation>
    </message>
    <message>
        <source>Large print is suggested from age {n} (Settings, Printing).</source>
        <translation>{n} 岁起建议使用大字版（见“设置 → 打印”）。</translation>
    </message>
    <message>
        <source>A6 card</source>
        <translation>A6 卡片</translation>
    </message>
    <message>
        <source>A5</source>
        <translation>A5</translation>
    </message>
    <message>
        <source>A4</source>
        <translation>A4</translation>
    </message>
    <message>
        <source>Label ({stock})</source>
        <translation>标签（{stock}）</translation>
    </message>
    <message>
        <source>Preview…</source>
        <translation>预览…</translation>
    </message>
</context>
<context>
    <name>MedicationSource</name>
    <message>
        <source>Told by the patient</source>
        <translation>患者自述</translation>
    </message>
    <message>
        <source>Prescribed here</source>
        <translation>本诊所开具</translation>
    </message>
    <message>
        <source>Prescribed by a hospital</source>
        <translation>医院开具</translation>
    </message>
    <message>
        <source>Prescribed by another clinic</source>
        <translation>其他诊所开具</translation>
    </message>
</context>
<context>
    <name>MembersPanel</name>
    <message>
        <source>Search: name, phone, card number or record number…</source>
        <extracomment>a tier list was loaded (the page&apos;s other tabs may use it)</extracomment>
        <translation>搜索：姓名、电话、卡号或病历号…</translation>
    </message>
    <message>
        <source>Current (active, suspended, not begun)</source>
        <translation>当前（有效、已暂停、未生效）</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>有效</translation>
    </message>
    <message>
        <source>Suspended</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <source>Expired</source>
        <translation>已过期</translation>
    </message>
    <message>
        <source>Not begun yet</source>
        <translation>未生效</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>已注销</translation>
    </message>
    <message>
        <source>All memberships</source>
        <translation>全部会员</translation>
    </message>
    <message>
        <source>Enrol…</source>
        <translation>办理会员…</translation>
    </message>
    <message>
        <source>Enrol a patient or a family in a tier (Ctrl+N)</source>
        <translation>为患者或家庭办理会员（Ctrl+N）</translation>
    </message>
    <message>
        <source>Renew…</source>
        <translation>续费…</translation>
    </message>
    <message>
        <source>Change tier…</source>
        <translation>变更等级…</translation>
    </message>
    <message>
        <source>Record payment…</source>
        <translation>登记收款…</translation>
    </message>
    <message>
        <source>Record use…</source>
        <translation>登记使用…</translation>
    </message>
    <message>
        <source>Undo use…</source>
        <translation>撤销使用…</translation>
    </message>
    <message>
        <source>Add member…</source>
        <translation>添加成员…</translation>
    </message>
    <message>
        <source>Remove member…</source>
        <translation>移除成员…</translation>
    </message>
    <message>
        <source>Care team…</source>
        <translation>健康管家…</translation>
    </message>
    <message>
        <source>Suspend…</source>
        <translation>暂停…</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>恢复</translation>
    </message>
    <message>
        <source>Cancel membership…</source>
        <translation>注销会员…</translation>
    </message>
    <message>
        <source>Print card…</source>
        <translation>打印会员卡…</translation>
    </message>
    <message>
        <source>The selected member&apos;s card, or every member&apos;s when no one is selected</source>
        <translation>打印所选成员的会员卡；未选择成员时打印全部成员的会员卡</translation>
    </message>
    <message>
        <source>For the member selected in the list below</source>
        <translation>为下方列表中所选的成员登记</translation>
    </message>
    <message>
        <source>Card no.</source>
        <translation>卡号</translation>
    </message>
    <message>
        <source>Tier</source>
        <translation>等级</translation>
    </message>
    <message>
        <source>Payer</source>
        <translation>付款人</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>People</source>
        <translation>人数</translation>
    </message>
    <message>
        <source>Ends on</source>
        <translation>到期日</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Days left</source>
        <translation>剩余天数</translation>
    </message>
    <message>
        <source>Members</source>
        <translation>成员</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Record no.</source>
        <translation>病历号</translation>
    </message>
    <message>
        <source>Relation</source>
        <translation>关系</translation>
    </message>
    <message>
        <source>Joined</source>
        <translation>加入日期</translation>
    </message>
    <message>
        <source>Allowances this period</source>
        <translation>本期额度</translation>
    </message>
    <message>
        <source>Care team</source>
        <translation>健康管家团队</translation>
    </message>
    <message>
        <source>History</source>
        <translation>历史记录</translation>
    </message>
    <message>
        <source>Payments</source>
        <translation>收付款</translation>
    </message>
    <message>
        <source>Benefit uses</source>
        <translation>权益使用</translation>
    </message>
    <message>
        <source>When</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>What</source>
        <translation>事项</translation>
    </message>
    <message>
        <source>By</source>
        <translation>经办人</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>详情</translation>
    </message>
    <message>
        <source>Paid on</source>
        <translation>付款日期</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <source>Method</source>
        <translation>付款方式</translation>
    </message>
    <message>
        <source>Receipt no.</source>
        <translation>收据号</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Day</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Benefit</source>
        <translation>权益</translation>
    </message>
    <message>
        <source>For</source>
        <translation>使用人</translation>
    </message>
    <message>
        <source>Count</source>
        <translation>次数</translation>
    </message>
    <message>
        <source>All tiers</source>
        <translation>全部等级</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <source>No membership matches.</source>
        <translation>没有符合条件的会员。</translation>
    </message>
    <message numerus="yes">
        <source>%n membership(s)</source>
        <translation>
            <numerusform>%n 个会员</numerusform>
        </translation>
    </message>
    <message>
        <source>No membership chosen</source>
        <translation>未选择会员</translation>
    </message>
    <message>
        <source>Choose a membership on the left, or enrol someone new with Enrol….</source>
        <translation>请在左侧选择会员，或点击“办理会员…”办理新会员。</translation>
    </message>
    <message>
        <source>Term</source>
        <translation>有效期</translation>
    </message>
    <message>
        <source>Suspended since</source>
        <translation>暂停开始日</translation>
    </message>
    <message>
        <source>due soon</source>
        <translation>即将到期</translation>
    </message>
    <message>
        <source>Renewal</source>
        <translation>续费</translation>
    </message>
    <message>
        <source>This tier counts no allowance.</source>
        <translation>此等级不设额度。</translation>
    </message>
    <message>
        <source>Nobody named yet: use Care team….</source>
        <translation>尚未指定，请点击“健康管家…”。</translation>
    </message>
    <message>
        <source>Allowed by the director: {reason}</source>
        <translation>院长特批：{reason}</translation>
    </message>
    <message>
        <source>Renewed. The membership had lapsed, so the new term starts today: {first} to {last}.</source>
        <translation>已续费。该会员已过期，新有效期从今天开始：{first} 至 {last}。</translation>
    </message>
    <message>
        <source>Renewed: the membership now runs to {last}.</source>
        <translation>已续费：会员有效期延至 {last}。</translation>
    </message>
    <message>
        <source>Enrolled. Card number {card}, valid {first} to {last}.</source>
        <translation>已办理。会员卡号 {card}，有效期 {first} 至 {last}。</translation>
    </message>
    <message>
        <source>Recorded. {allowance}</source>
        <translation>已登记。{allowance}</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>已保存。</translation>
    </message>
    <message>
        <source>Resumed. The membership now ends on {last}.</source>
        <translation>已恢复。会员到期日顺延至 {last}。</translation>
    </message>
</context>
<context>
    <name>Membership</name>
    <message>
        <source>Priority booking and held slots</source>
        <translation>优先预约及会员预留号源</translation>
    </message>
    <message>
        <source>Health record management</source>
        <translation>健康档案管理</translation>
    </message>
    <message>
        <source>Annual health plan</source>
        <translation>年度健康计划</translation>
    </message>
    <message>
        <source>Family-doctor home visits</source>
        <translation>家庭医生上门服务</translation>
    </message>
    <message>
        <source>Referral help to top hospitals</source>
        <translation>三甲医院转诊协助</translation>
    </message>
    <message>
        <source>Private health butler: a named care team</source>
        <translation>私人健康管家：专属健康管家团队</translation>
    </message>
    <message>
        <source>included</source>
        <translation>包含</translation>
    </message>
    <message>
        <source>so many per period</source>
        <translation>每期额度</translation>
    </message>
    <message>
        <source>active</source>
        <translation>有效</translation>
    </message>
    <message>
        <source>suspended</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已注销</translation>
    </message>
    <message>
        <source>expired</source>
        <translation>已过期</translation>
    </message>
    <message>
        <source>not begun yet</source>
        <translation>未生效</translation>
    </message>
    <message>
        <source>cash</source>
        <translation>现金</translation>
    </message>
    <message>
        <source>bank card</source>
        <translation>银行卡</translation>
    </message>
    <message>
        <source>WeChat Pay</source>
        <translation>微信支付</translation>
    </message>
    <message>
        <source>Alipay</source>
        <translation>支付宝</translation>
    </message>
    <message>
        <source>bank transfer</source>
        <translation>银行转账</translation>
    </message>
    <message>
        <source>other</source>
        <translation>其他</translation>
    </message>
    <message>
        <source>payment</source>
        <translation>收款</translation>
    </message>
    <message>
        <source>refund</source>
        <translation>退款</translation>
    </message>
    <message>
        <source>self</source>
        <translation>本人</translation>
    </message>
    <message>
        <source>spouse</source>
        <translation>配偶</translation>
    </message>
    <message>
        <source>child</source>
        <translation>子女</translation>
    </message>
    <message>
        <source>parent</source>
        <translation>父母</translation>
    </message>
    <message>
        <source>doctor</source>
        <translation>医生</translation>
    </message>
    <message>
        <source>nutritionist</source>
        <translation>营养师</translation>
    </message>
    <message>
        <source>trainer</source>
        <translation>健身教练</translation>
    </message>
    <message>
        <source>enrolled</source>
        <translation>办理会员</translation>
    </message>
    <message>
        <source>renewed</source>
        <translation>续费</translation>
    </message>
    <message>
        <source>upgraded</source>
        <translation>升级</translation>
    </message>
    <message>
        <source>downgraded</source>
        <translation>降级</translation>
    </message>
    <message>
        <source>tier changed</source>
        <translation>变更等级</translation>
    </message>
    <message>
        <source>resumed</source>
        <translation>恢复</translation>
    </message>
    <message>
        <source>member added</source>
        <translation>添加成员</translation>
    </message>
    <message>
        <source>member removed</source>
        <translation>移除成员</translation>
    </message>
    <message>
        <source>payment recorded</source>
        <translation>登记收款</translation>
    </message>
    <message>
        <source>refund recorded</source>
        <translation>登记退款</translation>
    </message>
    <message>
        <source>care team changed</source>
        <translation>变更健康管家团队</translation>
    </message>
    <message>
        <source>benefit used</source>
        <translation>使用权益</translation>
    </message>
    <message>
        <source>benefit use undone</source>
        <translation>撤销权益使用</translation>
    </message>
    <message>
        <source>allowance overridden</source>
        <translation>特批超额</translation>
    </message>
    <message>
        <source>overdraft reviewed</source>
        <translation>已查看超额使用</translation>
    </message>
    <message>
        <source>note</source>
        <translation>备注</translation>
    </message>
</context>
<context>
    <name>MembershipCardDialog</name>
    <message>
        <source>Print membership card</source>
        <translation>打印会员卡</translation>
    </message>
    <message>
        <source>Where will the card be printed?</source>
        <translation>会员卡用什么打印？</translation>
    </message>
    <message>
        <source>On a card printer (85.6 × 54 mm cards, the front then the back)</source>
        <translation>用证卡打印机（85.6 × 54 毫米卡片，先打正面再打背面）</translation>
    </message>
    <message>
        <source>On A4 paper, to cut out (the front and back side by side)</source>
        <translation>用 A4 纸打印后剪下（正面和背面并排）</translation>
    </message>
    <message>
        <source>Preview…</source>
        <translation>预览…</translation>
    </message>
</context>
<context>
    <name>MembershipPage</name>
    <message>
        <source>Type an amount in yuan, for example 3980 or 3980.50 (two decimals at most).</source>
        <translation>请输入以元为单位的金额，例如 3980 或 3980.50（最多两位小数）。</translation>
    </message>
    <message>
        <source>%n month(s)</source>
        <translation>%n 个月</translation>
    </message>
    <message>
        <source>%n year(s)</source>
        <translation>%n 年</translation>
    </message>
    <message>
        <source>month(s)</source>
        <translation>个月</translation>
    </message>
    <message>
        <source>year(s)</source>
        <translation>年</translation>
    </message>
    <message>
        <source>%n a month</source>
        <translation>每月 %n 次</translation>
    </message>
    <message>
        <source>{n} every {months} months</source>
        <translation>每 {months} 个月 {n} 次</translation>
    </message>
    <message>
        <source>%n a year</source>
        <translation>每年 %n 次</translation>
    </message>
    <message>
        <source>{n} every {years} years</source>
        <translation>每 {years} 年 {n} 次</translation>
    </message>
    <message>
        <source>{benefit}: {every}</source>
        <translation>{benefit}：{every}</translation>
    </message>
    <message>
        <source>{benefit}: {used} of {quota} used, {span}</source>
        <translation>{benefit}：已用 {used}/{quota} 次，{span}</translation>
    </message>
    <message>
        <source>ended %n day(s) ago</source>
        <translation>已过期 %n 天</translation>
    </message>
    <message>
        <source>%n day(s)</source>
        <translation>%n 天</translation>
    </message>
    <message>
        <source>1 person</source>
        <translation>1 人</translation>
    </message>
    <message>
        <source>up to %n people</source>
        <translation>最多 %n 人</translation>
    </message>
    <message>
        <source>{price} for {period} · {people}</source>
        <translation>{price} / {period} · {people}</translation>
    </message>
    <message>
        <source>The new tier starts a new full period today; nothing is credited.</source>
        <translation>新等级从今天起重新计算一个完整周期，原等级的剩余部分不折抵。</translation>
    </message>
    <message>
        <source>The unused days of the old tier are credited; the new tier is charged for the days left.</source>
        <translation>原等级未使用的天数折抵费用，新等级按剩余天数收费。</translation>
    </message>
    <message>
        <source>The unused whole months of the old tier are credited; the new tier is charged for the months left, a month begun counting as used.</source>
        <translation>原等级未使用的整月折抵费用，新等级按剩余月数收费，已开始的月份按已使用计算。</translation>
    </message>
    <message>
        <source>ends on {before} → {after}</source>
        <translation>到期日 {before} → {after}</translation>
    </message>
    <message>
        <source>had lapsed</source>
        <translation>续费前已过期</translation>
    </message>
    <message>
        <source>suspended %n day(s)</source>
        <translation>暂停了 %n 天</translation>
    </message>
    <message>
        <source>{used} of {quota}</source>
        <translation>{used}/{quota}</translation>
    </message>
    <message>
        <source>to pay {sum}</source>
        <translation>应补交 {sum}</translation>
    </message>
    <message>
        <source>to refund {sum}</source>
        <translation>应退还 {sum}</translation>
    </message>
    <message>
        <source>Members</source>
        <translation>会员</translation>
    </message>
    <message>
        <source>Tiers</source>
        <translation>会员等级</translation>
    </message>
    <message>
        <source>Reports</source>
        <translation>报表</translation>
    </message>
</context>
<context>
    <name>MembershipTab</name>
    <message>
        <source>Membership</source>
        <extracomment>the membership page&apos;s feature key, and what the file asks it to show who may read a patient&apos;s membership in full (the service checks the same) show something on another page: (&quot;membership&quot;, (&quot;open&quot;, id) | (&quot;enrol&quot;, patient id)) the membership was read (MembershipView or None); the file&apos;s header shows its tag</extracomment>
        <translation>会员</translation>
    </message>
    <message>
        <source>Open in Membership</source>
        <translation>在会员页打开</translation>
    </message>
    <message>
        <source>Renew, change the tier, record a payment or print the card</source>
        <translation>续费、变更等级、登记收款或打印会员卡</translation>
    </message>
    <message>
        <source>Enrol…</source>
        <translation>办理会员…</translation>
    </message>
    <message>
        <source>Enrol this patient in a membership tier</source>
        <translation>为该患者办理会员</translation>
    </message>
    <message>
        <source>Card number</source>
        <translation>卡号</translation>
    </message>
    <message>
        <source>Valid</source>
        <translation>有效期</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Paid by</source>
        <translation>付款人</translation>
    </message>
    <message>
        <source>Benefits</source>
        <translation>权益</translation>
    </message>
    <message>
        <source>Allowances left</source>
        <translation>剩余额度</translation>
    </message>
    <message>
        <source>Family members</source>
        <translation>家庭成员</translation>
    </message>
    <message>
        <source>Care team</source>
        <translation>健康管家团队</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <source>Not a member</source>
        <translation>非会员</translation>
    </message>
    <message>
        <source>{tier} membership, {status}</source>
        <translation>会员等级：{tier}（{status}）</translation>
    </message>
    <message>
        <source>{start} to {end}</source>
        <translation>{start} 至 {end}</translation>
    </message>
    <message numerus="yes">
        <source>(%n day(s) left)</source>
        <translation>
            <numerusform>（剩余 %n 天）</numerusform>
        </translation>
    </message>
    <message>
        <source>{status} since {day}: benefits cannot be used until resumed</source>
        <translation>自 {day} 起{status}：恢复前不能使用权益</translation>
    </message>
    <message>
        <source>· renewal due</source>
        <translation>· 待续费</translation>
    </message>
    <message>
        <source>{name} (this patient)</source>
        <translation>{name}（即本患者）</translation>
    </message>
    <message>
        <source>Not named yet</source>
        <translation>尚未指定</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>{benefit}: {left} of {quota} left ({first} to {last})</source>
        <translation>{benefit}：剩余 {left}/{quota} 次（{first} 至 {last}）</translation>
    </message>
    <message>
        <source>{benefit}: {used} of {quota} used, over by {over} ({first} to {last})</source>
        <translation>{benefit}：已用 {used}/{quota} 次，超额 {over} 次（{first} 至 {last}）</translation>
    </message>
    <message>
        <source>{relation}, payer</source>
        <translation>{relation}，付款人</translation>
    </message>
    <message>
        <source>{role}: {name}</source>
        <translation>{role}：{name}</translation>
    </message>
    <message>
        <source>Enrolled.</source>
        <translation>已办理会员。</translation>
    </message>
</context>
<context>
    <name>MergeDialog</name>
    <message>
        <source>Merge a duplicate record</source>
        <translation>合并重复档案</translation>
    </message>
    <message>
        <source>Find the other record of this same patient: type a name, pinyin, phone digits, ID or record number, then choose it in the list.</source>
        <translation>查找同一位患者的另一份档案：输入姓名、拼音、电话号码、证件号码或病历号，然后在列表中选择。</translation>
    </message>
    <message>
        <source>Search for the duplicate</source>
        <translation>搜索重复档案</translation>
    </message>
    <message>
        <source>Record no.</source>
        <translation>病历号</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>出生日期</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>ID document</source>
        <translation>证件</translation>
    </message>
    <message>
        <source>This record (kept)</source>
        <translation>本档案（保留）</translation>
    </message>
    <message>
        <source>Duplicate (merged into it)</source>
        <translation>重复档案（合并到本档案）</translation>
    </message>
    <message>
        <source>Why are these the same patient? (required)</source>
        <translation>为什么这两份档案是同一位患者？（必填）</translation>
    </message>
    <message>
        <source>e.g. same ID number; registered twice at the desk</source>
        <translation>例如：证件号码相同；前台重复登记</translation>
    </message>
    <message>
        <source>Everything recorded for the duplicate moves to this record; the duplicate is kept, marked as merged, and cannot be edited. This cannot be undone from the screen.</source>
        <translation>重复档案中记录的所有内容都会移到本档案；重复档案会保留，标记为已合并，且不能再编辑。此操作无法在界面上撤销。</translation>
    </message>
    <message>
        <source>Merge</source>
        <translation>合并</translation>
    </message>
    <message>
        <source>Choose the duplicate record in the list first.</source>
        <translation>请先在列表中选择重复档案。</translation>
    </message>
</context>
<context>
    <name>MessageTemplatesTab</name>
    <message>
        <source>%n characters: too long for an SMS (at most {top}); it can go only by e-mail.</source>
        <translation>共 %n 字：超出短信长度上限（最多 {top} 字），只能通过电子邮件发送。</translation>
    </message>
    <message>
        <source>%n characters: 1 SMS.</source>
        <translation>共 %n 字：1 条短信。</translation>
    </message>
    <message>
        <source>%n characters: sent as {parts} SMS joined together ({single} characters fit in one).</source>
        <translation>共 %n 字：将拆成 {parts} 条短信拼接发送（每条最多 {single} 字）。</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Subject (e-mail)</source>
        <translation>主题（电子邮件）</translation>
    </message>
    <message>
        <source>In use</source>
        <translation>启用</translation>
    </message>
    <message>
        <source>Preview for a sample patient (Ms Zhang, tomorrow 09:30)</source>
        <translation>示例患者预览（张女士，明天 09:30）</translation>
    </message>
    <message>
        <source>Only a supervisor (the director or a health manager) can change the wording.</source>
        <translation>只有主管（院长或健康管理师）可以修改消息内容。</translation>
    </message>
    <message>
        <source>Restore the default…</source>
        <translation>恢复默认…</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>{name} (changed)</source>
        <translation>{name}（已修改）</translation>
    </message>
    <message>
        <source>Unsaved changes</source>
        <translation>尚未保存的修改</translation>
    </message>
    <message>
        <source>The changes to “{name}” are not saved. Discard them?</source>
        <translation>“{name}”的修改尚未保存。要放弃这些修改吗？</translation>
    </message>
    <message>
        <source>Subject: {subject}</source>
        <translation>主题：{subject}</translation>
    </message>
    <message>
        <source>Changed here, not saved yet.</source>
        <translation>已在此修改，尚未保存。</translation>
    </message>
    <message>
        <source>The shipped wording.</source>
        <translation>系统自带的文字。</translation>
    </message>
    <message>
        <source>Changed by the clinic.</source>
        <translation>已由本诊所修改。</translation>
    </message>
    <message>
        <source>Saved. New messages use this wording.</source>
        <translation>已保存。新消息将使用此文字。</translation>
    </message>
    <message>
        <source>Restore the default wording</source>
        <translation>恢复默认文字</translation>
    </message>
    <message>
        <source>Replace the wording of “{name}” with the one ClinicDesk ships?</source>
        <translation>要用系统自带的文字替换“{name}”吗？</translation>
    </message>
    <message>
        <source>The default wording is back.</source>
        <translation>已恢复默认文字。</translation>
    </message>
</context>
<context>
    <name>Metric</name>
    <message>
        <source>Satisfaction</source>
        <translation>满意度</translation>
    </message>
    <message>
        <source>Complaints closed</source>
        <translation>投诉结案率</translation>
    </message>
    <message>
        <source>Complaints closed on time</source>
        <translation>投诉按时结案率</translation>
    </message>
    <message>
        <source>No-show rate</source>
        <translation>爽约率</translation>
    </message>
    <message>
        <source>Average wait</source>
        <translation>平均候诊时间</translation>
    </message>
    <message>
        <source>Wait, 90th percentile</source>
        <translation>90% 患者候诊时间</translation>
    </message>
    <message>
        <source>Long waits</source>
        <translation>候诊超时次数</translation>
    </message>
    <message>
        <source>Follow-up rate</source>
        <translation>回访率</translation>
    </message>
    <message>
        <source>Revisit booking rate</source>
        <translation>复诊预约率</translation>
    </message>
    <message>
        <source>Booked visits</source>
        <translation>预约就诊率</translation>
    </message>
    <message>
        <source>Prescription corrections</source>
        <translation>处方更正率</translation>
    </message>
</context>
<context>
    <name>MissingPanel</name>
    <message>
        <source>Day</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Staff</source>
        <translation>员工</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>岗位</translation>
    </message>
    <message>
        <source>Doctors count on the days they are rostered, everyone else on the days the clinic is open. Today is listed from tomorrow: the check is done at the day&apos;s end.</source>
        <translation>医生按排班日计算，其他人员按诊所开诊日计算。当天的自查在下班时填写，次日起才列入未交名单。</translation>
    </message>
    <message>
        <source>Everyone who worked submitted their self-check.</source>
        <translation>当班员工均已提交自查。</translation>
    </message>
</context>
<context>
    <name>OptOutDialog</name>
    <message>
        <source>Calls and messages</source>
        <translation>电话与消息</translation>
    </message>
    <message>
        <source>What the patient agreed to. Ticking a box stops that kind of contact; unticking it later reopens nothing.</source>
        <translation>按患者的意愿设置。勾选后即停止该类联系；之后取消勾选也不会重新开启已关闭的回访或消息。</translation>
    </message>
    <message>
        <source>The patient does not want follow-up calls</source>
        <translation>患者不接收回访电话</translation>
    </message>
    <message>
        <source>The patient does not want messages</source>
        <translation>患者不接收消息</translation>
    </message>
    <message>
        <source>Note (when and how they said so)</source>
        <translation>备注（何时、以何种方式提出）</translation>
    </message>
    <message numerus="yes">
        <source>%n open follow-up call(s) will be closed.</source>
        <translation>
            <numerusform>将关闭 %n 个待处理的电话回访。</numerusform>
        </translation>
    </message>
    <message>
        <source>Open follow-up calls will be closed.</source>
        <translation>将关闭待处理的电话回访。</translation>
    </message>
    <message numerus="yes">
        <source>%n open message follow-up(s) will be closed.</source>
        <translation>
            <numerusform>将关闭 %n 个待处理的消息回访。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n queued message(s) will be cancelled.</source>
        <translation>
            <numerusform>将取消 %n 条待发消息。</numerusform>
        </translation>
    </message>
    <message>
        <source>Queued messages will be cancelled.</source>
        <translation>将取消待发消息。</translation>
    </message>
    <message>
        <source>Save?</source>
        <translation>是否保存？</translation>
    </message>
</context>
<context>
    <name>Outbox</name>
    <message>
        <source>No mail server is set, so e-mail waits. Set the mail server in Settings &gt; Messages.</source>
        <translation>尚未设置邮件服务器，电子邮件暂不发送。请在“设置 → 消息”中设置邮件服务器。</translation>
    </message>
    <message>
        <source>No sender address is set, so e-mail waits. Set &apos;Send e-mail as&apos; (or the mail server user name) in Settings &gt; Messages.</source>
        <translation>尚未设置发件地址，电子邮件暂不发送。请在“设置 → 消息”中设置“发件地址”（或邮件服务器用户名）。</translation>
    </message>
    <message>
        <source>Choose the mail server security (starttls, ssl or none).</source>
        <translation>请选择邮件服务器的安全方式（starttls、ssl 或 none）。</translation>
    </message>
    <message>
        <source>{address} is not an e-mail address ({detail}). Correct it in the patient&apos;s record.</source>
        <translation>{address} 不是有效的电子邮件地址（{detail}）。请在患者档案中更正。</translation>
    </message>
    <message>
        <source>The mail server {host}:{port} did not answer within {seconds} seconds. The message stays queued and is tried again later.</source>
        <translation>邮件服务器 {host}:{port} 在 {seconds} 秒内未响应。消息仍在待发队列中，稍后将重试。</translation>
    </message>
    <message>
        <source>The mail server&apos;s certificate could not be verified ({detail}). Check the server name in Settings &gt; Messages.</source>
        <translation>无法验证邮件服务器的证书（{detail}）。请在“设置 → 消息”中检查服务器名称。</translation>
    </message>
    <message>
        <source>A secure connection to the mail server failed ({detail}). Check the security setting: usually ssl for port 465 and starttls for port 587.</source>
        <translation>与邮件服务器建立安全连接失败（{detail}）。请检查安全方式设置：端口 465 通常用 ssl，端口 587 通常用 starttls。</translation>
    </message>
    <message>
        <source>Cannot reach the mail server {host}:{port} ({detail}). Check the server and port in Settings &gt; Messages and the network; the message is tried again later.</source>
        <translation>无法连接邮件服务器 {host}:{port}（{detail}）。请检查“设置 → 消息”中的服务器和端口以及网络；稍后将重试发送该消息。</translation>
    </message>
    <message>
        <source>The mail server {host} turned the connection away: {reply}. The message is tried again later.</source>
        <translation>邮件服务器 {host} 拒绝了连接：{reply}。稍后将重试发送该消息。</translation>
    </message>
    <message>
        <source>The mail server {host} does not offer STARTTLS. Choose &apos;ssl&apos; (usually port 465) or, only inside the clinic&apos;s own network, &apos;none&apos; in Settings &gt; Messages.</source>
        <translation>邮件服务器 {host} 不支持 STARTTLS。请在“设置 → 消息”中选择“ssl”（通常为端口 465），或仅在诊所内部网络中选择“none”。</translation>
    </message>
    <message>
        <source>The mail server did not accept the user name or password ({reply}). Check them in Settings &gt; Messages; many mail services want an app password (授权码) here.</source>
        <translation>邮件服务器不接受该用户名或密码（{reply}）。请在“设置 → 消息”中检查；许多邮箱服务在此需要填写授权码，而非登录密码。</translation>
    </message>
    <message>
        <source>The mail server does not take a user name and password on this connection. Choose &apos;starttls&apos; or &apos;ssl&apos;, or clear the user name.</source>
        <translation>邮件服务器在此连接上不接受用户名和密码。请选择“starttls”或“ssl”，或清空用户名。</translation>
    </message>
    <message>
        <source>The mail server refused the address {address}: {reply}. Check the address in the patient&apos;s record.</source>
        <translation>邮件服务器拒收地址 {address}：{reply}。请检查患者档案中的地址。</translation>
    </message>
    <message>
        <source>The mail server did not take the message for {address} for now: {reply}. It is tried again later.</source>
        <translation>邮件服务器暂未接收发往 {address} 的消息：{reply}。稍后将重试。</translation>
    </message>
    <message>
        <source>The mail server refused the sender address {sender}: {reply}. Check &apos;Send e-mail as&apos; in Settings &gt; Messages.</source>
        <translation>邮件服务器拒绝了发件地址 {sender}：{reply}。请检查“设置 → 消息”中的“发件地址”。</translation>
    </message>
    <message>
        <source>The mail server refused the message: {reply}.</source>
        <translation>邮件服务器拒收该消息：{reply}。</translation>
    </message>
    <message>
        <source>The mail server did not take the message for now: {reply}. It is tried again later.</source>
        <translation>邮件服务器暂未接收该消息：{reply}。稍后将重试。</translation>
    </message>
    <message>
        <source>The mail server cannot take the address {address} (it has characters beyond plain letters and digits). Use another address.</source>
        <translation>邮件服务器无法处理地址 {address}（含有字母和数字以外的字符）。请使用其他地址。</translation>
    </message>
    <message>
        <source>The message gateway plug-in &apos;{name}&apos; could not be used ({detail}). Reinstall or remove it; until then its channel&apos;s messages wait for the batch file.</source>
        <translation>无法使用消息网关插件“{name}”（{detail}）。请重新安装或移除该插件；在此之前，该渠道的消息将等待批量导出文件发送。</translation>
    </message>
    <message>
        <source>Appointment reminder, a week before</source>
        <translation>预约提醒（提前一周）</translation>
    </message>
    <message>
        <source>After the visit: advice and revisit</source>
        <translation>诊后：医嘱与复诊提醒</translation>
    </message>
    <message>
        <source>Missed appointment</source>
        <translation>爽约提醒</translation>
    </message>
    <message>
        <source>Health reminder (campaign)</source>
        <translation>健康提醒（群发）</translation>
    </message>
    <message>
        <source>Membership renewal, before it ends</source>
        <translation>会员续费提醒（到期前）</translation>
    </message>
    <message>
        <source>how the patient is addressed (张女士)</source>
        <translation>患者尊称（张女士）</translation>
    </message>
    <message>
        <source>the clinic&apos;s name</source>
        <translation>诊所名称</translation>
    </message>
    <message>
        <source>the clinic&apos;s phone</source>
        <translation>诊所电话</translation>
    </message>
    <message>
        <source>the appointment&apos;s date</source>
        <translation>预约日期</translation>
    </message>
    <message>
        <source>the appointment&apos;s time</source>
        <translation>预约时间</translation>
    </message>
    <message>
        <source>the appointment&apos;s day of the week</source>
        <translation>预约星期</translation>
    </message>
    <message>
        <source>the doctor&apos;s name</source>
        <translation>医生姓名</translation>
    </message>
    <message>
        <source>message</source>
        <translation>消息</translation>
    </message>
    <message>
        <source>asked for no messages</source>
        <translation>已拒收消息</translation>
    </message>
    <message>
        <source>deceased</source>
        <translation>已故</translation>
    </message>
    <message>
        <source>no mobile, e-mail or WeChat</source>
        <translation>无手机号、电子邮件或微信</translation>
    </message>
    <message>
        <source>e-mail address not valid</source>
        <translation>电子邮件地址无效</translation>
    </message>
    <message>
        <source>already queued</source>
        <translation>已在待发队列中</translation>
    </message>
    <message>
        <source>text would mention their diagnosis or medicine</source>
        <translation>内容会提及其诊断或药品</translation>
    </message>
    <message>
        <source>template switched off</source>
        <translation>模板已停用</translation>
    </message>
    <message>
        <source>template needs a value it was not given</source>
        <translation>模板缺少所需的值</translation>
    </message>
    <message>
        <source>too long for a text message</source>
        <translation>超出短信长度</translation>
    </message>
    <message>
        <source>the clinic&apos;s phone is not set</source>
        <translation>未设置诊所电话</translation>
    </message>
    <message>
        <source>Sending stopped unexpectedly ({detail}); it is not known whether the message went. Check, then retry it with confirmation.</source>
        <translation>发送意外中断（{detail}），无法确定消息是否已发出。请先核实，再确认重发。</translation>
    </message>
    <message>
        <source>campaign message</source>
        <translation>群发消息</translation>
    </message>
</context>
<context>
    <name>OutboxPanel</name>
    <message>
        <source>Queued</source>
        <translation>待发送</translation>
    </message>
    <message>
        <source>Sending (result unknown)</source>
        <translation>发送中（结果未知）</translation>
    </message>
    <message>
        <source>Sent</source>
        <translation>已发送</translation>
    </message>
    <message>
        <source>Exported</source>
        <translation>已导出</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>SMS</source>
        <translation>短信</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>电子邮件</translation>
    </message>
    <message>
        <source>WeChat</source>
        <translation>微信</translation>
    </message>
    <message>
        <source>Reminders and health messages waiting to go, and what became of each. E-mails go through the clinic&apos;s mail server; SMS and WeChat messages are exported as a batch file for the bulk-messaging platform.</source>
        <translation>待发送的提醒和健康消息，以及每条消息的结果。电子邮件通过诊所的邮件服务器发送；短信和微信消息导出为批量文件，交由群发平台发送。</translation>
    </message>
    <message>
        <source>Send due e-mails now</source>
        <translation>立即发送到期的电子邮件</translation>
    </message>
    <message>
        <source>Export SMS batch…</source>
        <translation>导出短信批量文件…</translation>
    </message>
    <message>
        <source>Export WeChat batch…</source>
        <translation>导出微信批量文件…</translation>
    </message>
    <message>
        <source>Queue a message…</source>
        <translation>新建消息…</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>Put a failed message back in the queue</source>
        <translation>把发送失败的消息重新放回待发送队列</translation>
    </message>
    <message>
        <source>Mark to send again…</source>
        <translation>标记为重新发送…</translation>
    </message>
    <message>
        <source>For a message whose result is unknown, or an exported one the platform did not send: put it back in the queue</source>
        <translation>用于结果未知的消息，或已导出但群发平台未发出的消息：重新放回待发送队列</translation>
    </message>
    <message>
        <source>It did arrive</source>
        <translation>已送达</translation>
    </message>
    <message>
        <source>For a message whose result is unknown that you checked reached the patient</source>
        <translation>用于结果未知、但经核实已送达患者的消息</translation>
    </message>
    <message>
        <source>Cancel message…</source>
        <translation>取消消息…</translation>
    </message>
    <message>
        <source>When due</source>
        <translation>发送时间</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>患者</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>渠道</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>号码/地址</translation>
    </message>
    <message>
        <source>Purpose</source>
        <translation>用途</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Tries</source>
        <translation>尝试次数</translation>
    </message>
    <message>
        <source>Last error</source>
        <translation>最近的错误</translation>
    </message>
    <message>
        <source>Sent at</source>
        <translation>发出时间</translation>
    </message>
    <message>
        <source>{state} ({n})</source>
        <translation>{state}（{n}）</translation>
    </message>
    <message numerus="yes">
        <source>%n message(s) were handed to the mail server but no answer came back (the connection broke or ClinicDesk stopped): whether they arrived is unknown. They are not sent again by themselves. Ask the patient or check the mail server&apos;s log; if one did not arrive, choose it in the “Sending (result unknown)” list and use “Mark to send again…”; if it did, “It did arrive”.</source>
        <translation>
            <numerusform>有 %n 条消息已交给邮件服务器，但一直没有收到回应（连接中断或 ClinicDesk 已停止运行）：无法确定是否已送达。这些消息不会自动重发。请询问患者或查看邮件服务器日志；如果某条未送达，请在“发送中（结果未知）”列表中选中它并使用“标记为重新发送…”；如果已送达，请使用“已送达”。</numerusform>
        </translation>
    </message>
    <message>
        <source>Why cancelled</source>
        <translation>取消原因</translation>
    </message>
    <message>
        <source>Sent or not: unknown. See the warning above.</source>
        <translation>是否已发出：未知。请看上方的提示。</translation>
    </message>
    <message>
        <source>Only the latest {n} are listed.</source>
        <translation>仅列出最近的 {n} 条。</translation>
    </message>
    <message>
        <source>No messages in this list.</source>
        <translation>此列表中没有消息。</translation>
    </message>
    <message>
        <source>{channel} messages go through the “{name}” plug-in.</source>
        <translation>{channel}消息通过插件“{name}”发送。</translation>
    </message>
    <message>
        <source>Last error: {reason}</source>
        <translation>最近的错误：{reason}</translation>
    </message>
    <message>
        <source>Sending the due e-mails…</source>
        <translation>正在发送到期的电子邮件…</translation>
    </message>
    <message>
        <source>No e-mails were due.</source>
        <translation>没有到期的电子邮件。</translation>
    </message>
    <message numerus="yes">
        <source>%n e-mail(s) sent.</source>
        <translation>
            <numerusform>已发送 %n 封电子邮件。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n could not be delivered (see “Failed”).</source>
        <translation>
            <numerusform>%n 封无法投递（见“失败”）。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n wait for the sending hours ({start}–{end}).</source>
        <translation>
            <numerusform>%n 封等待发送时段（{start}–{end}）。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n stay queued and are tried again later.</source>
        <translation>
            <numerusform>%n 封仍在队列中，稍后重试。</numerusform>
        </translation>
    </message>
    <message>
        <source>Save the SMS batch as</source>
        <translation>短信批量文件另存为</translation>
    </message>
    <message>
        <source>Save the WeChat batch as</source>
        <translation>微信批量文件另存为</translation>
    </message>
    <message>
        <source>CSV file (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <source>Writing the batch file…</source>
        <translation>正在写入批量文件…</translation>
    </message>
    <message>
        <source>No SMS messages are waiting to be exported; no file was written.</source>
        <translation>没有待导出的短信，未生成文件。</translation>
    </message>
    <message>
        <source>No WeChat messages are waiting to be exported; no file was written.</source>
        <translation>没有待导出的微信消息，未生成文件。</translation>
    </message>
    <message numerus="yes">
        <source>%n SMS message(s) saved to {path}.</source>
        <translation>
            <numerusform>已将 %n 条短信保存到 {path}。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n WeChat message(s) saved to {path}.</source>
        <translation>
            <numerusform>已将 %n 条微信消息保存到 {path}。</numerusform>
        </translation>
    </message>
    <message>
        <source>Upload the file to the bulk-messaging platform; it also opens in Excel or WPS. These messages are now marked exported (batch {batch}) and will not be exported again.</source>
        <translation>请把文件上传到群发平台；该文件也可以用 Excel 或 WPS 打开。这些消息已标记为已导出（批次 {batch}），不会再次导出。</translation>
    </message>
    <message>
        <source>The message is back in the queue.</source>
        <translation>消息已重新放回待发送队列。</translation>
    </message>
    <message>
        <source>This message to {patient} went out in the batch file {batch}. Put it back in the queue only if the platform did not send it: otherwise the patient gets it twice.</source>
        <translation>发给{patient}的这条消息已在批量文件 {batch} 中导出。只有在群发平台确实没有发出时才重新放回队列，否则患者会收到两次。</translation>
    </message>
    <message>
        <source>Whether this message reached {patient} is unknown: the mail server took it but its answer never came. If it did arrive, sending again means the patient gets it twice. Put it back in the queue?</source>
        <translation>无法确定{patient}是否已收到这条消息：邮件服务器已接收，但一直没有回应。如果其实已经送达，重新发送会让患者收到两次。要重新放回待发送队列吗？</translation>
    </message>
    <message>
        <source>Send again?</source>
        <translation>重新发送？</translation>
    </message>
    <message>
        <source>The message is back in the queue and goes with the next sending.</source>
        <translation>消息已重新放回队列，将在下次发送时发出。</translation>
    </message>
    <message>
        <source>The message is marked as sent.</source>
        <translation>该消息已标记为已发送。</translation>
    </message>
    <message>
        <source>Cancel the message</source>
        <translation>取消消息</translation>
    </message>
    <message>
        <source>Why is the message to {patient} cancelled?</source>
        <translation>为什么取消发给{patient}的消息？</translation>
    </message>
    <message>
        <source>The message was cancelled; it will not be sent.</source>
        <translation>消息已取消，不会发送。</translation>
    </message>
</context>
<context>
    <name>OverviewTab</name>
    <message>
        <source>ID document</source>
        <translation>证件</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>出生日期</translation>
    </message>
    <message>
        <source>Phones</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Occupation and title</source>
        <translation>职业和职务</translation>
    </message>
    <message>
        <source>Contact by</source>
        <translation>联系方式</translation>
    </message>
    <message>
        <source>Came to us by</source>
        <translation>来源渠道</translation>
    </message>
    <message>
        <source>Emergency contact</source>
        <translation>紧急联系人</translation>
    </message>
    <message>
        <source>Notes for the desk</source>
        <translation>前台备注</translation>
    </message>
    <message>
        <source>Allergies</source>
        <translation>过敏</translation>
    </message>
    <message>
        <source>Current medication</source>
        <translation>当前用药</translation>
    </message>
    <message>
        <source>Chronic conditions</source>
        <translation>慢性病</translation>
    </message>
    <message>
        <source>Substance</source>
        <translation>过敏原</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>严重程度</translation>
    </message>
    <message>
        <source>Reaction</source>
        <translation>反应</translation>
    </message>
    <message>
        <source>Medicine</source>
        <translation>药品</translation>
    </message>
    <message>
        <source>Dose</source>
        <translation>剂量</translation>
    </message>
    <message>
        <source>How often</source>
        <translation>频次</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Condition</source>
        <translation>疾病</translation>
    </message>
    <message>
        <source>ICD-10</source>
        <translation>ICD-10</translation>
    </message>
    <message>
        <source>Since</source>
        <translation>起始日期</translation>
    </message>
    <message>
        <source>Add allergy…</source>
        <translation>添加过敏…</translation>
    </message>
    <message>
        <source>Entered in error…</source>
        <translation>录入有误…</translation>
    </message>
    <message>
        <source>Add medicine…</source>
        <translation>添加药品…</translation>
    </message>
    <message>
        <source>Stopped…</source>
        <translation>停药…</translation>
    </message>
    <message>
        <source>Add condition…</source>
        <translation>添加疾病…</translation>
    </message>
    <message>
        <source>Record vital signs…</source>
        <translation>记录生命体征…</translation>
    </message>
    <message>
        <source>Add allergy</source>
        <translation>添加过敏</translation>
    </message>
    <message>
        <source>Substance (medicine, food…)</source>
        <translation>过敏原（药品、食物…）</translation>
    </message>
    <message>
        <source>Choose an allergy in the list first.</source>
        <translation>请先在列表中选择一条过敏记录。</translation>
    </message>
    <message>
        <source>Allergy entered in error</source>
        <translation>过敏记录有误</translation>
    </message>
    <message>
        <source>Why it does not apply</source>
        <translation>不适用的原因</translation>
    </message>
    <message>
        <source>Add current medicine</source>
        <translation>添加当前用药</translation>
    </message>
    <message>
        <source>Taken since</source>
        <translation>开始服用日期</translation>
    </message>
    <message>
        <source>Choose a medicine in the list first.</source>
        <translation>请先在列表中选择一种药品。</translation>
    </message>
    <message>
        <source>Medicine stopped</source>
        <translation>已停药</translation>
    </message>
    <message>
        <source>Why it was stopped</source>
        <translation>停药原因</translation>
    </message>
    <message>
        <source>Add chronic condition</source>
        <translation>添加慢性病</translation>
    </message>
    <message>
        <source>ICD-10 code (optional)</source>
        <translation>ICD-10 编码（可选）</translation>
    </message>
</context>
<context>
    <name>PairingDialog</name>
    <message>
        <source>Add a workstation</source>
        <translation>添加工作站</translation>
    </message>
    <message>
        <source>Name of the new workstation</source>
        <translation>新工作站名称</translation>
    </message>
    <message>
        <source>e.g. Dr Wang&apos;s room</source>
        <translation>例如 王医生诊室</translation>
    </message>
    <message>
        <source>Create pairing code</source>
        <translation>生成配对码</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>Copy the code</source>
        <translation>复制配对码</translation>
    </message>
    <message>
        <source>A pairing code lets one more computer join this clinic&apos;s sync. Give the computer a name people recognise; it appears in the list of workstations.</source>
        <translation>配对码可让另一台电脑加入本诊所的同步。请给这台电脑起一个大家都认得出的名称，它会显示在工作站列表中。</translation>
    </message>
    <message>
        <source>The pairing code for “{name}”. It is shown only now.</source>
        <translation>“{name}”的配对码。它只在此时显示。</translation>
    </message>
    <message>
        <source>On the new computer: install ClinicDesk and start it. In the first-run setup choose “Join a clinic that already syncs”. Type the hub address and this code, or scan the QR code into the code field (it carries both), then the director&apos;s user name and password.</source>
        <translation>在新电脑上：安装并启动 ClinicDesk。在首次运行的设置向导中选择“加入已启用同步的诊所”。输入同步服务器地址和此配对码，或将二维码扫描到配对码栏中（二维码包含这两项），然后输入院长的用户名和密码。</translation>
    </message>
    <message>
        <source>Registering the workstation on the hub…</source>
        <translation>正在同步服务器上登记工作站…</translation>
    </message>
    <message>
        <source>This code expired at {time}. Close this window and create a new one.</source>
        <translation>此配对码已于 {time} 过期。请关闭此窗口并重新生成。</translation>
    </message>
    <message>
        <source>The code works once, until {time}.</source>
        <translation>此配对码只能使用一次，有效期至 {time}。</translation>
    </message>
    <message>
        <source>The code is on the clipboard.</source>
        <translation>配对码已复制到剪贴板。</translation>
    </message>
</context>
<context>
    <name>Passphrase</name>
    <message>
        <source>Use at least {n} characters.</source>
        <translation>请至少使用 {n} 个字符。</translation>
    </message>
    <message>
        <source>Use at most {n} characters.</source>
        <translation>最多只能使用 {n} 个字符。</translation>
    </message>
    <message>
        <source>Type a passphrase.</source>
        <translation>请输入口令。</translation>
    </message>
    <message>
        <source>Too easy to guess. Use four or more unrelated words, or a sentence only you would say.</source>
        <translation>太容易被猜到。请使用四个或更多互不相关的词语，或一句只有您才会说的话。</translation>
    </message>
    <message>
        <source>Do not use the clinic&apos;s name, phone or a login in the passphrase.</source>
        <translation>口令中不要包含诊所名称、电话或用户名。</translation>
    </message>
    <message>
        <source>Very weak</source>
        <translation>非常弱</translation>
    </message>
    <message>
        <source>Weak</source>
        <translation>弱</translation>
    </message>
    <message>
        <source>Fair</source>
        <translation>一般</translation>
    </message>
    <message>
        <source>Strong</source>
        <translation>强</translation>
    </message>
    <message>
        <source>Very strong</source>
        <translation>非常强</translation>
    </message>
</context>
<context>
    <name>PassphrasePage</name>
    <message>
        <source>The two passphrases are not the same. Type the same passphrase twice.</source>
        <translation>两次输入的口令不一致。请输入两次相同的口令。</translation>
    </message>
    <message>
        <source>This computer&apos;s passphrase</source>
        <translation>本机口令</translation>
    </message>
    <message>
        <source>Each workstation keeps its own encrypted copy of the clinic&apos;s data, opened by its own passphrase. Choose a sentence only you would say, of four or more unrelated words; Chinese is fine. Keep it where the director can find it, away from the computer.</source>
        <translation>每台工作站都保存一份自己的诊所数据加密副本，用各自的口令打开。请选择一句只有您才会说的话，由四个或更多互不相关的词语组成；可以使用中文。请把它保存在院长能找到、且远离电脑的地方。</translation>
    </message>
    <message>
        <source>The clinic passphrase</source>
        <translation>诊所口令</translation>
    </message>
    <message>
        <source>The clinic passphrase opens the clinic&apos;s data on any computer: a new one, or this one after a repair. Choose a sentence only you would say, of four or more unrelated words; Chinese is fine. Do not lose it: keep it where the director can find it, away from the computer.</source>
        <translation>诊所口令可以在任何电脑上打开诊所数据：无论是新电脑，还是维修后的本机。请选择一句只有您才会说的话，由四个或更多互不相关的词语组成；可以使用中文。请勿遗失口令：把它保存在院长能找到、且远离电脑的地方。</translation>
    </message>
    <message>
        <source>Passphrase</source>
        <translation>口令</translation>
    </message>
    <message>
        <source>Passphrase again</source>
        <translation>再次输入口令</translation>
    </message>
    <message>
        <source>Show what I type</source>
        <translation>显示输入内容</translation>
    </message>
</context>
<context>
    <name>Patient</name>
    <message>
        <source>Mobile call</source>
        <translation>手机通话</translation>
    </message>
    <message>
        <source>SMS</source>
        <translation>短信</translation>
    </message>
    <message>
        <source>WeChat</source>
        <translation>微信</translation>
    </message>
    <message>
        <source>QQ</source>
        <translation>QQ</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>电子邮件</translation>
    </message>
    <message>
        <source>Letter</source>
        <translation>信件</translation>
    </message>
    <message>
        <source>Home visit</source>
        <translation>上门拜访</translation>
    </message>
    <message>
        <source>Walked in</source>
        <translation>自行来诊</translation>
    </message>
    <message>
        <source>Phone booking</source>
        <translation>电话预约</translation>
    </message>
    <message>
        <source>Online booking</source>
        <translation>网上预约</translation>
    </message>
    <message>
        <source>Referral</source>
        <translation>转诊</translation>
    </message>
    <message>
        <source>Free-clinic event</source>
        <translation>义诊活动</translation>
    </message>
    <message>
        <source>Recommended by someone</source>
        <translation>他人推荐</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>其他</translation>
    </message>
    <message>
        <source>Child</source>
        <translation>儿童</translation>
    </message>
    <message>
        <source>Elderly</source>
        <translation>老年人</translation>
    </message>
    <message>
        <source>Disabled</source>
        <translation>残障人士</translation>
    </message>
    <message>
        <source>Accompanied service</source>
        <translation>陪同服务</translation>
    </message>
    <message>
        <source>Female</source>
        <translation>女</translation>
    </message>
    <message>
        <source>Male</source>
        <translation>男</translation>
    </message>
    <message>
        <source>Not stated</source>
        <translation>未说明</translation>
    </message>
    <message>
        <source>Resident ID card (mainland)</source>
        <translation>居民身份证（内地）</translation>
    </message>
    <message>
        <source>Hong Kong identity card</source>
        <translation>香港身份证</translation>
    </message>
    <message>
        <source>Macau identity card</source>
        <translation>澳门身份证</translation>
    </message>
    <message>
        <source>Taiwan ID card</source>
        <translation>台湾身份证</translation>
    </message>
    <message>
        <source>Mainland travel permit (HK/Macau)</source>
        <translation>港澳居民来往内地通行证（回乡证）</translation>
    </message>
    <message>
        <source>Mainland travel permit (Taiwan)</source>
        <translation>台湾居民来往大陆通行证（台胞证）</translation>
    </message>
    <message>
        <source>Residence permit (HK/Macau/TW)</source>
        <translation>港澳台居民居住证</translation>
    </message>
    <message>
        <source>Foreign permanent resident ID</source>
        <translation>外国人永久居留身份证</translation>
    </message>
    <message>
        <source>Passport</source>
        <translation>护照</translation>
    </message>
</context>
<context>
    <name>PatientFileDialog</name>
    <message>
        <source>Patient file</source>
        <translation>患者档案</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
</context>
<context>
    <name>PatientFileView</name>
    <message>
        <source>← Search</source>
        <extracomment>show something on another page (feature key, target), as pages do: the membership tab&apos;s &quot;Open in Membership&quot; and &quot;Enrol…&quot; (&quot;membership&quot;, (what, id))</extracomment>
        <translation>← 搜索</translation>
    </message>
    <message>
        <source>Back to the search (Esc)</source>
        <translation>返回搜索（Esc）</translation>
    </message>
    <message>
        <source>Edit details…</source>
        <translation>编辑资料…</translation>
    </message>
    <message>
        <source>Merge a duplicate…</source>
        <translation>合并重复档案…</translation>
    </message>
    <message>
        <source>Emergency access…</source>
        <translation>紧急查看…</translation>
    </message>
    <message>
        <source>Open the clinical record outside your role in an emergency. You must give a reason; the access is recorded and reviewed.</source>
        <translation>紧急情况下调阅超出您角色权限的临床病历。必须填写原因；此次调阅会被记录并接受审查。</translation>
    </message>
    <message>
        <source>Print</source>
        <translation>打印</translation>
    </message>
    <message>
        <source>Print a card, hand-out or form for this patient</source>
        <translation>为该患者打印卡片、须知或表单</translation>
    </message>
    <message>
        <source>Contact card (连心卡)</source>
        <translation>连心卡</translation>
    </message>
    <message>
        <source>First-visit information</source>
        <translation>初诊须知</translation>
    </message>
    <message>
        <source>Follow-up call record, filled in</source>
        <translation>电话回访表（预填患者信息）</translation>
    </message>
    <message>
        <source>Follow-up call record, blank</source>
        <translation>电话回访表（空白）</translation>
    </message>
    <message>
        <source>Overview</source>
        <translation>概览</translation>
    </message>
    <message>
        <source>Visits</source>
        <translation>就诊记录</translation>
    </message>
    <message>
        <source>Contact history</source>
        <translation>联系记录</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message numerus="yes">
        <source>%n year(s)</source>
        <translation>
            <numerusform>%n 岁</numerusform>
        </translation>
    </message>
    <message>
        <source>age unknown</source>
        <translation>年龄不详</translation>
    </message>
    <message>
        <source>Record no. {no}</source>
        <translation>病历号 {no}</translation>
    </message>
    <message>
        <source>Address as: {form}</source>
        <translation>称呼：{form}</translation>
    </message>
    <message>
        <source>This record was merged into another one.</source>
        <translation>此档案已合并到另一份档案。</translation>
    </message>
    <message>
        <source>Allergies: none recorded. Ask the patient.</source>
        <translation>过敏史：暂无记录。请询问患者。</translation>
    </message>
    <message>
        <source>ALLERGIES: {list}</source>
        <translation>过敏：{list}</translation>
    </message>
    <message>
        <source>Emergency access</source>
        <translation>紧急查看</translation>
    </message>
    <message>
        <source>Why do you need this patient&apos;s clinical record now? Your access is recorded with this reason and reviewed by the director.</source>
        <translation>您为什么现在需要查看该患者的临床病历？此次调阅将连同该原因一并记录，并由院长审查。</translation>
    </message>
    <message>
        <source>Give a reason of at least 4 characters.</source>
        <translation>请填写原因，至少 4 个字符。</translation>
    </message>
</context>
<context>
    <name>PatientFollowupsTab</name>
    <message>
        <source>Follow-ups</source>
        <translation>回访</translation>
    </message>
    <message>
        <source>Add a follow-up…</source>
        <translation>添加回访…</translation>
    </message>
    <message>
        <source>Record death…</source>
        <translation>登记死亡…</translation>
    </message>
    <message>
        <source>Calls and messages…</source>
        <translation>电话和消息…</translation>
    </message>
    <message>
        <source>Whether the patient agrees to follow-up calls and to messages</source>
        <translation>患者是否同意接收回访电话和消息</translation>
    </message>
    <message>
        <source>Calls and messages to make</source>
        <translation>待办电话和消息</translation>
    </message>
    <message>
        <source>Calls made</source>
        <translation>已完成的回访</translation>
    </message>
    <message>
        <source>Follow-up calls are listed for the staff who make them.</source>
        <translation>回访电话仅对负责回访的工作人员显示。</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>截止日期</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>What</source>
        <translation>内容</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>渠道</translation>
    </message>
    <message>
        <source>Caller</source>
        <translation>回访人</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>尝试次数</translation>
    </message>
    <message>
        <source>Called</source>
        <translation>回访时间</translation>
    </message>
    <message>
        <source>By</source>
        <translation>回访人</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Spot check</source>
        <translation>抽查</translation>
    </message>
    <message>
        <source>Died {day}</source>
        <translation>{day} 死亡</translation>
    </message>
    <message>
        <source>No calls</source>
        <translation>无回访记录</translation>
    </message>
    <message>
        <source>No messages</source>
        <translation>无消息</translation>
    </message>
</context>
<context>
    <name>PatientFormDialog</name>
    <message>
        <source>Patient details</source>
        <extracomment>a patient was saved or an existing one chosen: its id</extracomment>
        <translation>患者资料</translation>
    </message>
    <message>
        <source>New patient</source>
        <translation>新患者</translation>
    </message>
    <message>
        <source>Identity</source>
        <translation>身份信息</translation>
    </message>
    <message>
        <source>Contact</source>
        <translation>联系方式</translation>
    </message>
    <message>
        <source>About the patient</source>
        <translation>患者情况</translation>
    </message>
    <message>
        <source>Emergency contact and notes</source>
        <translation>紧急联系人和备注</translation>
    </message>
    <message>
        <source>Family name</source>
        <translation>姓</translation>
    </message>
    <message>
        <source>Given name</source>
        <translation>名</translation>
    </message>
    <message>
        <source>Sex</source>
        <translation>性别</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>出生日期</translation>
    </message>
    <message>
        <source>ID document</source>
        <translation>证件类型</translation>
    </message>
    <message>
        <source>Document number</source>
        <translation>证件号码</translation>
    </message>
    <message>
        <source>Mobile phone</source>
        <translation>手机号</translation>
    </message>
    <message>
        <source>Other phone</source>
        <translation>其他电话</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>电子邮件</translation>
    </message>
    <message>
        <source>WeChat ID</source>
        <translation>微信号</translation>
    </message>
    <message>
        <source>QQ</source>
        <translation>QQ</translation>
    </message>
    <message>
        <source>Contact by</source>
        <translation>首选联系方式</translation>
    </message>
    <message>
        <source>Occupation</source>
        <translation>职业</translation>
    </message>
    <message>
        <source>Title or position</source>
        <translation>职务或职称</translation>
    </message>
    <message>
        <source>Preferred form of address</source>
        <translation>希望的称呼</translation>
    </message>
    <message>
        <source>Came to us by</source>
        <translation>来源渠道</translation>
    </message>
    <message>
        <source>Special needs</source>
        <translation>特殊需求</translation>
    </message>
    <message>
        <source>Emergency contact</source>
        <translation>紧急联系人</translation>
    </message>
    <message>
        <source>Relationship</source>
        <translation>关系</translation>
    </message>
    <message>
        <source>Emergency phone</source>
        <translation>紧急联系电话</translation>
    </message>
    <message>
        <source>Notes for the desk</source>
        <translation>前台备注</translation>
    </message>
    <message>
        <source>e.g. 1985-03-12</source>
        <translation>例如 1985-03-12</translation>
    </message>
    <message>
        <source>e.g. 138 1234 5678</source>
        <translation>例如 138 1234 5678</translation>
    </message>
    <message>
        <source>Only if the patient asked, e.g. 王教授</source>
        <translation>仅在患者要求时填写，例如 王教授</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <source>(not known)</source>
        <translation>（不详）</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Register</source>
        <translation>登记</translation>
    </message>
    <message>
        <source>Open the existing record</source>
        <translation>打开已有档案</translation>
    </message>
    <message>
        <source>It is a different person: register</source>
        <translation>不是同一人：继续登记</translation>
    </message>
    <message>
        <source>Staff will address the patient as: {form}</source>
        <translation>工作人员将称呼患者为：{form}</translation>
    </message>
    <message>
        <source>Correct the fields marked in red, then save.</source>
        <translation>请修改标为红色的栏目，然后保存。</translation>
    </message>
</context>
<context>
    <name>PatientSearch</name>
    <message>
        <source>No patient found. Check the spelling, or register a new patient.</source>
        <extracomment>row background by queue status (the alert and green channel colours win) the patient cell&apos;s name and address, for the delegate that draws them in two colours the needs cell&apos;s badge codes the colour the address is drawn in (lighter on a red alert row) the patient cell&apos;s membership tag: (label, colour) from ``member_tag`` (H2) a tier without a colour of its own, and a suspended membership Enter (or a double-click) on a hit: the ``PatientHit`` Escape, or Down with no results: hand the keyboard to the screen below</extracomment>
        <translation>未找到患者。请检查输入是否正确，或登记新患者。</translation>
    </message>
</context>
<context>
    <name>PatientTableModel</name>
    <message>
        <source>Record no.</source>
        <translation>病历号</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Sex</source>
        <translation>性别</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>出生日期</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>ID document</source>
        <translation>证件号码</translation>
    </message>
    <message>
        <source>Female</source>
        <translation>女</translation>
    </message>
    <message>
        <source>Male</source>
        <translation>男</translation>
    </message>
</context>
<context>
    <name>PaymentBox</name>
    <message>
        <source>Refund money to the payer</source>
        <translation>退款给付款人</translation>
    </message>
    <message>
        <source>Refund</source>
        <translation>退款</translation>
    </message>
    <message>
        <source>Paid now</source>
        <translation>当场付款</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <source>Method</source>
        <translation>付款方式</translation>
    </message>
    <message>
        <source>Receipt no.</source>
        <translation>收据号</translation>
    </message>
    <message>
        <source>Paid on</source>
        <translation>付款日期</translation>
    </message>
    <message>
        <source>Payment note</source>
        <translation>付款备注</translation>
    </message>
    <message>
        <source>As printed on the receipt</source>
        <translation>按收据上印的号码填写</translation>
    </message>
</context>
<context>
    <name>PaymentDialog</name>
    <message>
        <source>Record a payment for {card}</source>
        <translation>为会员卡 {card} 登记收付款</translation>
    </message>
    <message>
        <source>Record money as it changed hands, with the receipt number. This is a record of facts, not an account.</source>
        <translation>按实际收付的金额登记，并填写收据号。这里只如实记录收付款，不是账户。</translation>
    </message>
    <message>
        <source>Payment received</source>
        <translation>收款</translation>
    </message>
    <message>
        <source>Refund given</source>
        <translation>退款</translation>
    </message>
    <message>
        <source>What</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>明细</translation>
    </message>
</context>
<context>
    <name>PdfPreview</name>
    <message>
        <source>No printer is set up on this computer, so this cannot be printed here. Save it as a PDF and print it from a computer that has a printer, or ask the person who looks after the clinic&apos;s computers to add the printer.</source>
        <translation>本机没有设置打印机，无法在这里打印。请另存为 PDF，再到有打印机的电脑上打印；或请负责诊所电脑维护的人员添加打印机。</translation>
    </message>
    <message>
        <source>the printer</source>
        <translation>打印机</translation>
    </message>
    <message>
        <source>Printing</source>
        <translation>打印</translation>
    </message>
    <message>
        <source>Could not print on {printer}: it is switched off, not connected or not set up. Check the printer and try again, or save the document as a PDF.</source>
        <translation>无法在 {printer} 上打印：打印机可能已关机、未连接或未设置。请检查打印机后重试，或将文档另存为 PDF。</translation>
    </message>
    <message>
        <source>Save as PDF…</source>
        <translation>另存为 PDF…</translation>
    </message>
    <message>
        <source>Save as PDF</source>
        <translation>另存为 PDF</translation>
    </message>
    <message>
        <source>PDF files (*.pdf)</source>
        <translation>PDF 文件 (*.pdf)</translation>
    </message>
</context>
<context>
    <name>PeriodBar</name>
    <message>
        <source>&amp;From</source>
        <translation>从(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;to</source>
        <translation>至(&amp;T)</translation>
    </message>
</context>
<context>
    <name>Prescription</name>
    <message>
        <source>Morning</source>
        <translation>早</translation>
    </message>
    <message>
        <source>Noon</source>
        <translation>中</translation>
    </message>
    <message>
        <source>Evening</source>
        <translation>晚</translation>
    </message>
    <message>
        <source>Bedtime</source>
        <translation>睡前</translation>
    </message>
    <message>
        <source>once a day</source>
        <translation>每日一次</translation>
    </message>
    <message>
        <source>twice a day</source>
        <translation>每日两次</translation>
    </message>
    <message>
        <source>three times a day</source>
        <translation>每日三次</translation>
    </message>
    <message>
        <source>four times a day</source>
        <translation>每日四次</translation>
    </message>
    <message>
        <source>every night</source>
        <translation>每晚一次</translation>
    </message>
    <message>
        <source>every 8 hours</source>
        <translation>每8小时</translation>
    </message>
    <message>
        <source>every 12 hours</source>
        <translation>每12小时</translation>
    </message>
    <message>
        <source>when needed</source>
        <translation>需要时</translation>
    </message>
    <message>
        <source>once only</source>
        <translation>单次</translation>
    </message>
    <message>
        <source>once a week</source>
        <translation>每周一次</translation>
    </message>
    <message>
        <source>before meals</source>
        <translation>饭前</translation>
    </message>
    <message>
        <source>after meals</source>
        <translation>饭后</translation>
    </message>
    <message>
        <source>with meals</source>
        <translation>随餐</translation>
    </message>
    <message>
        <source>on an empty stomach</source>
        <translation>空腹</translation>
    </message>
    <message>
        <source>at bedtime</source>
        <translation>睡前</translation>
    </message>
    <message>
        <source>at any time</source>
        <translation>不限</translation>
    </message>
    <message>
        <source>by mouth</source>
        <translation>口服</translation>
    </message>
    <message>
        <source>on the skin</source>
        <translation>外用</translation>
    </message>
    <message>
        <source>inhaled</source>
        <translation>吸入</translation>
    </message>
    <message>
        <source>under the tongue</source>
        <translation>舌下含服</translation>
    </message>
    <message>
        <source>injection into a muscle</source>
        <translation>肌内注射</translation>
    </message>
    <message>
        <source>injection into a vein</source>
        <translation>静脉注射</translation>
    </message>
    <message>
        <source>injection under the skin</source>
        <translation>皮下注射</translation>
    </message>
    <message>
        <source>in the eye</source>
        <translation>滴眼</translation>
    </message>
    <message>
        <source>in the ear</source>
        <translation>滴耳</translation>
    </message>
    <message>
        <source>in the nose</source>
        <translation>滴鼻</translation>
    </message>
    <message>
        <source>rectal</source>
        <translation>直肠给药</translation>
    </message>
</context>
<context>
    <name>PrescriptionDialog</name>
    <message>
        <source>New prescription</source>
        <translation>新建处方</translation>
    </message>
    <message>
        <source>Drug</source>
        <translation>药品</translation>
    </message>
    <message>
        <source>Strength</source>
        <translation>规格</translation>
    </message>
    <message>
        <source>Dose</source>
        <translation>剂量</translation>
    </message>
    <message>
        <source>Route</source>
        <translation>给药途径</translation>
    </message>
    <message>
        <source>How often</source>
        <translation>频次</translation>
    </message>
    <message>
        <source>When</source>
        <translation>服用时间</translation>
    </message>
    <message>
        <source>Days</source>
        <translation>天数</translation>
    </message>
    <message>
        <source>Quantity</source>
        <translation>总量</translation>
    </message>
    <message>
        <source>Cautions</source>
        <translation>注意事项</translation>
    </message>
    <message>
        <source>drug name</source>
        <translation>药品名称</translation>
    </message>
    <message>
        <source>Remove this line</source>
        <translation>删除此行</translation>
    </message>
    <message>
        <source>Add a line</source>
        <translation>添加一行</translation>
    </message>
    <message>
        <source>Check</source>
        <translation>检查</translation>
    </message>
    <message>
        <source>Check the drugs against the allergies and current medication</source>
        <translation>对照过敏史和当前用药检查所开药品</translation>
    </message>
    <message>
        <source>Notes (optional)</source>
        <translation>备注（可选）</translation>
    </message>
    <message>
        <source>Warnings</source>
        <translation>警示</translation>
    </message>
    <message>
        <source>The interaction table covers only common drugs and well-known interactions. It is NOT a complete reference: no warning does not mean a combination is safe.</source>
        <translation>相互作用表仅涵盖常用药品和公认的相互作用，并不是完整的参考资料：没有警示并不代表联合用药就是安全的。</translation>
    </message>
    <message>
        <source>I have considered these warnings</source>
        <translation>我已考虑这些警示</translation>
    </message>
    <message>
        <source>Reason:</source>
        <translation>原因：</translation>
    </message>
    <message>
        <source>Why prescribe despite the warnings</source>
        <translation>尽管有警示仍开具处方的原因</translation>
    </message>
    <message>
        <source>Allergies: {list}</source>
        <translation>过敏史：{list}</translation>
    </message>
    <message>
        <source>Allergies: none recorded. Ask the patient.</source>
        <translation>过敏史：暂无记录。请询问患者。</translation>
    </message>
    <message>
        <source>— choose —</source>
        <translation>— 请选择 —</translation>
    </message>
    <message>
        <source>At most {n} lines fit one prescription.</source>
        <translation>一张处方最多只能有 {n} 行药品。</translation>
    </message>
    <message>
        <source>No warnings found in the table.</source>
        <translation>相互作用表中未发现警示。</translation>
    </message>
    <message>
        <source>Not checked yet. Press Check, or Save (which checks first).</source>
        <translation>尚未检查。请按“检查”，或按“保存”（保存前会先检查）。</translation>
    </message>
    <message numerus="yes">
        <source>%n warning(s): read them before saving.</source>
        <translation>
            <numerusform>共 %n 条警示：请在保存前阅读。</numerusform>
        </translation>
    </message>
    <message>
        <source>Type at least one drug.</source>
        <translation>请至少输入一种药品。</translation>
    </message>
    <message>
        <source>Nothing was saved yet. Read the warnings, then press Save again.</source>
        <translation>尚未保存任何内容。请阅读警示，然后再次按“保存”。</translation>
    </message>
    <message>
        <source>Nothing was saved: there is a major interaction or an allergy warning. To prescribe anyway, tick “I have considered these warnings” and give the reason.</source>
        <translation>未保存：存在严重相互作用或过敏警示。如仍要开具，请勾选“我已考虑这些警示”并填写原因。</translation>
    </message>
    <message>
        <source>Nothing was saved: type the reason for prescribing despite the warnings.</source>
        <translation>未保存：请填写尽管有警示仍开具处方的原因。</translation>
    </message>
</context>
<context>
    <name>PrescriptionsTab</name>
    <message>
        <source>Prescriptions</source>
        <translation>处方</translation>
    </message>
    <message>
        <source>New prescription…</source>
        <translation>开处方…</translation>
    </message>
    <message>
        <source>Cancel prescription…</source>
        <translation>作废处方…</translation>
    </message>
    <message>
        <source>Record guidance…</source>
        <translation>记录用药指导…</translation>
    </message>
    <message>
        <source>Print medication card…</source>
        <translation>打印用药提醒卡…</translation>
    </message>
    <message>
        <source>The patient&apos;s reminder card: each drug, when to take it, and our phone</source>
        <translation>给患者的用药提醒卡：每种药品、服用时间及诊所电话</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Prescriber</source>
        <translation>开方医生</translation>
    </message>
    <message>
        <source>Drugs</source>
        <translation>药品</translation>
    </message>
    <message>
        <source>Warnings</source>
        <translation>警示</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message numerus="yes">
        <source>%n day(s)</source>
        <translation>
            <numerusform>%n 天</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n serious warning(s), confirmed</source>
        <translation>
            <numerusform>%n 条严重警示（已确认）</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n warning(s)</source>
        <translation>
            <numerusform>%n 条警示</numerusform>
        </translation>
    </message>
    <message>
        <source>Cancelled {when}</source>
        <translation>已于 {when} 作废</translation>
    </message>
    <message>
        <source>Issued</source>
        <translation>已开具</translation>
    </message>
    <message>
        <source>No prescriptions yet.</source>
        <translation>暂无处方。</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <source>Prescription of {when} by {who}</source>
        <translation>{who} 于 {when} 开具的处方</translation>
    </message>
    <message>
        <source>Cancelled {when}. Reason: {reason}</source>
        <translation>已于 {when} 作废。原因：{reason}</translation>
    </message>
    <message>
        <source>quantity {q}</source>
        <translation>总量 {q}</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Warnings shown when it was written</source>
        <translation>开具时显示的警示</translation>
    </message>
    <message>
        <source>Prescribed anyway. Reason: {reason}</source>
        <translation>已确认仍开具。原因：{reason}</translation>
    </message>
    <message>
        <source>Pharmacist guidance</source>
        <translation>药师用药指导</translation>
    </message>
    <message>
        <source>None recorded yet.</source>
        <translation>尚无记录。</translation>
    </message>
    <message>
        <source>Choose a prescription in the list first.</source>
        <translation>请先在列表中选择一张处方。</translation>
    </message>
    <message>
        <source>Cancel prescription</source>
        <translation>作废处方</translation>
    </message>
    <message>
        <source>Why is this prescription cancelled? It is kept in the record, marked cancelled, and its drugs leave the current medication list.</source>
        <translation>为什么要作废这张处方？处方会保留在病历中并标记为已作废，其中的药品将从当前用药列表中移除。</translation>
    </message>
    <message>
        <source>This prescription was cancelled: choose a current one to print its card.</source>
        <translation>此处方已作废：请选择一张有效的处方来打印提醒卡。</translation>
    </message>
    <message>
        <source>Record guidance</source>
        <translation>记录用药指导</translation>
    </message>
    <message>
        <source>What the patient was told</source>
        <translation>向患者交代的内容</translation>
    </message>
    <message>
        <source>How to take the medicines, what to watch for, what to avoid.</source>
        <translation>如何服药、需要留意什么、应避免什么。</translation>
    </message>
</context>
<context>
    <name>PrintDocuments</name>
    <message>
        <source>Appointment slip</source>
        <translation>预约单</translation>
    </message>
    <message>
        <source>First-visit information</source>
        <translation>初诊须知</translation>
    </message>
    <message>
        <source>Contact card</source>
        <translation>连心卡</translation>
    </message>
    <message>
        <source>Membership card</source>
        <translation>会员卡</translation>
    </message>
    <message>
        <source>Follow-up call record</source>
        <translation>电话回访表</translation>
    </message>
    <message>
        <source>Referral letter</source>
        <translation>转诊单</translation>
    </message>
    <message>
        <source>Medication card</source>
        <translation>用药提醒卡</translation>
    </message>
</context>
<context>
    <name>PrintLabels</name>
    <message>
        <source>Medication reminder card</source>
        <translation>用药提醒卡</translation>
    </message>
    <message>
        <source>Medication reminder card (large print)</source>
        <translation>用药提醒卡（大字版）</translation>
    </message>
    <message>
        <source>{title} (continued)</source>
        <translation>{title}（续）</translation>
    </message>
    <message>
        <source>Card {n} / {total}</source>
        <translation>第 {n} / {total} 张</translation>
    </message>
    <message>
        <source>{year}-{month:02d}-{day:02d}</source>
        <translation>{year}年{month:02d}月{day:02d}日</translation>
    </message>
    <message>
        <source>Issued {date}</source>
        <translation>开具日期：{date}</translation>
    </message>
    <message>
        <source>Issued {date} by {doctor}</source>
        <translation>开具日期：{date}&#x3000;医生：{doctor}</translation>
    </message>
    <message>
        <source>Medicine</source>
        <translation>药品</translation>
    </message>
    <message>
        <source>{dose} each time</source>
        <translation>每次 {dose}</translation>
    </message>
    <message>
        <source>for {n} days</source>
        <translation>共 {n} 天</translation>
    </message>
    <message>
        <source>for 1 day</source>
        <translation>共 1 天</translation>
    </message>
    <message>
        <source>Caution: {text}</source>
        <translation>注意：{text}</translation>
    </message>
    <message>
        <source>Questions? Call {phone}</source>
        <translation>如有疑问，请致电 {phone}</translation>
    </message>
    <message>
        <source>Appointment slip</source>
        <translation>预约单</translation>
    </message>
    <message>
        <source>{name}, your appointment is:</source>
        <translation>{name}，您的预约时间为：</translation>
    </message>
    <message>
        <source>{weekday} {year}-{month:02d}-{day:02d}</source>
        <translation>{year}年{month:02d}月{day:02d}日 {weekday}</translation>
    </message>
    <message>
        <source>{n} minutes</source>
        <translation>约 {n} 分钟</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>医生</translation>
    </message>
    <message>
        <source>Place</source>
        <translation>地点</translation>
    </message>
    <message>
        <source>For</source>
        <translation>就诊事项</translation>
    </message>
    <message>
        <source>Record no.</source>
        <translation>病历号</translation>
    </message>
    <message>
        <source>Please bring</source>
        <translation>请携带</translation>
    </message>
    <message>
        <source>Your ID card, your medical insurance card, and the medicines you take now.</source>
        <translation>身份证、医保卡，以及您目前正在服用的药品。</translation>
    </message>
    <message>
        <source>To change or cancel</source>
        <translation>如需改约或取消</translation>
    </message>
    <message>
        <source>Call us on {phone} before {time} the day before.</source>
        <translation>请于就诊前一天 {time} 前致电 {phone}。</translation>
    </message>
    <message>
        <source>Call us on {phone} as early as you can.</source>
        <translation>请尽早致电 {phone}。</translation>
    </message>
    <message>
        <source>Tell the front desk before {time} the day before.</source>
        <translation>请于就诊前一天 {time} 前告知前台。</translation>
    </message>
    <message>
        <source>Tell the front desk as early as you can.</source>
        <translation>请尽早告知前台。</translation>
    </message>
    <message>
        <source>This is your first visit: please come a little early to register.</source>
        <translation>您是初诊：请稍提前到达，以便办理挂号。</translation>
    </message>
    <message>
        <source>Phone {phone}</source>
        <translation>电话 {phone}</translation>
    </message>
    <message>
        <source>Your first visit</source>
        <translation>初诊须知</translation>
    </message>
    <message>
        <source>Welcome, {name}.</source>
        <translation>{name}，欢迎您。</translation>
    </message>
    <message>
        <source>Welcome to {clinic}.</source>
        <translation>欢迎您来到{clinic}。</translation>
    </message>
    <message>
        <source>Your appointment</source>
        <translation>您的预约</translation>
    </message>
    <message>
        <source>{day} {time}, {doctor}</source>
        <translation>{day} {time}，{doctor}医生</translation>
    </message>
    <message>
        <source>{day} {time}</source>
        <translation>{day} {time}</translation>
    </message>
    <message>
        <source>{first}–{last}</source>
        <translation>{first}至{last}</translation>
    </message>
    <message>
        <source>How to find us</source>
        <translation>如何到达本诊所</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Opening hours</source>
        <translation>门诊时间</translation>
    </message>
    <message>
        <source>Parking and what to bring</source>
        <translation>停车及需携带的物品</translation>
    </message>
    <message>
        <source>Questions? Call us on {phone}.</source>
        <translation>如有疑问，请致电 {phone}。</translation>
    </message>
    <message>
        <source>Page {n} / {total}</source>
        <translation>第 {n} 页，共 {total} 页</translation>
    </message>
    <message>
        <source>Contact card</source>
        <translation>连心卡</translation>
    </message>
    <message>
        <source>For {name}</source>
        <translation>致{name}</translation>
    </message>
    <message>
        <source>Your doctor: {name}</source>
        <translation>您的医生：{name}</translation>
    </message>
    <message>
        <source>Call us whenever you have a question about your health or your visit.</source>
        <translation>如对您的健康或就诊有任何疑问，欢迎随时来电咨询。</translation>
    </message>
    <message>
        <source>Scan to save our contact</source>
        <translation>扫码保存本诊所联系方式</translation>
    </message>
    <message>
        <source>Membership card</source>
        <translation>会员卡</translation>
    </message>
    <message>
        <source>Member</source>
        <translation>会员</translation>
    </message>
    <message>
        <source>Card no.</source>
        <translation>卡号</translation>
    </message>
    <message>
        <source>Valid until {date}</source>
        <translation>有效期至 {date}</translation>
    </message>
    <message>
        <source>Valid {first} to {last}</source>
        <translation>有效期 {first} 至 {last}</translation>
    </message>
    <message>
        <source>Member benefits</source>
        <translation>会员权益</translation>
    </message>
    <message>
        <source>{label}: {n} a year</source>
        <translation>{label}：每年 {n} 次</translation>
    </message>
    <message>
        <source>{label}: {n} every {count} years</source>
        <translation>{label}：每 {count} 年 {n} 次</translation>
    </message>
    <message>
        <source>{label}: {n} a month</source>
        <translation>{label}：每月 {n} 次</translation>
    </message>
    <message>
        <source>{label}: {n} every {count} months</source>
        <translation>{label}：每 {count} 个月 {n} 次</translation>
    </message>
    <message>
        <source>Present this card at the desk.</source>
        <translation>请在前台出示本卡。</translation>
    </message>
    <message>
        <source>Cut out along the corner marks, fold on the marks in the middle, and laminate.</source>
        <translation>沿四角的裁切标记剪下，沿中间的折线标记对折，然后塑封。</translation>
    </message>
    <message>
        <source>Follow-up call record</source>
        <translation>电话回访表</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>患者信息</translation>
    </message>
    <message>
        <source>Follow-up call</source>
        <translation>电话回访</translation>
    </message>
    <message>
        <source>Supervisor&apos;s spot check</source>
        <translation>主管抽查</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Age</source>
        <translation>年龄</translation>
    </message>
    <message>
        <source>Discharge or end of treatment</source>
        <translation>出院/治疗结束日期</translation>
    </message>
    <message>
        <source>Diagnosis</source>
        <translation>诊断</translation>
    </message>
    <message>
        <source>Outpatient or inpatient no.</source>
        <translation>门诊号/住院号</translation>
    </message>
    <message>
        <source>Called by</source>
        <translation>回访人</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>科室</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Notes of the call</source>
        <translation>回访内容</translation>
    </message>
    <message>
        <source>Checked by</source>
        <translation>抽查人</translation>
    </message>
    <message>
        <source>Evaluation</source>
        <translation>评价</translation>
    </message>
    <message>
        <source>Referral letter</source>
        <translation>转诊单</translation>
    </message>
    <message>
        <source>To</source>
        <translation>转诊至</translation>
    </message>
    <message>
        <source>Urgency</source>
        <translation>紧急程度</translation>
    </message>
    <message>
        <source>Urgency: {urgency}. Please see this patient promptly.</source>
        <translation>紧急程度：{urgency}。请尽快为该患者诊治。</translation>
    </message>
    <message>
        <source>Dear colleague,</source>
        <translation>尊敬的同道：</translation>
    </message>
    <message>
        <source>We refer the patient below to you and thank you for seeing them.</source>
        <translation>现将以下患者转诊至贵院，感谢您的诊治。</translation>
    </message>
    <message>
        <source>Sex</source>
        <translation>性别</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>出生日期</translation>
    </message>
    <message>
        <source>{date} (age {age})</source>
        <translation>{date}（{age} 岁）</translation>
    </message>
    <message>
        <source>Our record no.</source>
        <translation>本诊所病历号</translation>
    </message>
    <message>
        <source>Reason for referral</source>
        <translation>转诊原因</translation>
    </message>
    <message>
        <source>Allergies</source>
        <translation>过敏史</translation>
    </message>
    <message>
        <source>No allergies recorded.</source>
        <translation>未记录过敏史。</translation>
    </message>
    <message>
        <source>Current medication</source>
        <translation>当前用药</translation>
    </message>
    <message>
        <source>None recorded.</source>
        <translation>无记录。</translation>
    </message>
    <message>
        <source>Summary</source>
        <translation>病情摘要</translation>
    </message>
    <message>
        <source>Enclosed</source>
        <translation>附件</translation>
    </message>
    <message>
        <source>Referring doctor</source>
        <translation>转诊医生</translation>
    </message>
    <message>
        <source>Signature</source>
        <translation>签名</translation>
    </message>
</context>
<context>
    <name>Printouts</name>
    <message>
        <source>Outcome</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Recovery</source>
        <translation>恢复情况</translation>
    </message>
    <message>
        <source>Medication</source>
        <translation>用药情况</translation>
    </message>
    <message>
        <source>Satisfaction (1-5)</source>
        <translation>满意度（1-5）</translation>
    </message>
    <message>
        <source>Nurse and doctor followed up</source>
        <translation>护士和医生已回访</translation>
    </message>
    <message>
        <source>In the patient&apos;s words</source>
        <translation>患者原话</translation>
    </message>
    <message>
        <source>Suggestions</source>
        <translation>意见建议</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>no</source>
        <translation>否</translation>
    </message>
    <message>
        <source>overall</source>
        <translation>总体</translation>
    </message>
    <message>
        <source>doctor</source>
        <translation>医生</translation>
    </message>
    <message>
        <source>staff</source>
        <translation>工作人员</translation>
    </message>
    <message>
        <source>waiting</source>
        <translation>候诊</translation>
    </message>
    <message>
        <source>environment</source>
        <translation>环境</translation>
    </message>
</context>
<context>
    <name>QualityChart</name>
    <message>
        <source>No data</source>
        <translation>无数据</translation>
    </message>
    <message>
        <source>{value} min</source>
        <translation>{value} 分钟</translation>
    </message>
    <message>
        <source>counted: {n}</source>
        <translation>计数：{n}</translation>
    </message>
    <message>
        <source>target: {target}</source>
        <translation>目标：{target}</translation>
    </message>
</context>
<context>
    <name>QualityPage</name>
    <message>
        <source>Complaints</source>
        <translation>投诉</translation>
    </message>
    <message>
        <source>Root causes</source>
        <translation>根因分析</translation>
    </message>
    <message>
        <source>Training cases</source>
        <translation>培训案例</translation>
    </message>
    <message>
        <source>Surveys</source>
        <translation>满意度调查</translation>
    </message>
    <message>
        <source>Self-check</source>
        <translation>每日自查</translation>
    </message>
    <message>
        <source>Dashboard</source>
        <translation>质量看板</translation>
    </message>
    <message>
        <source>Reports</source>
        <translation>报告</translation>
    </message>
</context>
<context>
    <name>QualityReport</name>
    <message>
        <source>Weekly complaint feedback</source>
        <translation>投诉周反馈</translation>
    </message>
    <message>
        <source>Monthly quality analysis</source>
        <translation>月度质量分析报告</translation>
    </message>
    <message>
        <source>Quarterly quality summary</source>
        <translation>季度质量汇总</translation>
    </message>
    <message>
        <source>Yearly quality summary</source>
        <translation>年度质量汇总</translation>
    </message>
    <message>
        <source>{n} min</source>
        <translation>{n} 分钟</translation>
    </message>
    <message>
        <source>Met</source>
        <translation>达标</translation>
    </message>
    <message>
        <source>Not met</source>
        <translation>未达标</translation>
    </message>
    <message>
        <source>Figures against their targets</source>
        <translation>指标达标情况</translation>
    </message>
    <message>
        <source>Metric</source>
        <translation>指标</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>实际值</translation>
    </message>
    <message>
        <source>Target</source>
        <translation>目标</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>是否达标</translation>
    </message>
    <message>
        <source>Counted</source>
        <translation>统计数</translation>
    </message>
    <message>
        <source>Target {value}</source>
        <translation>目标 {value}</translation>
    </message>
    <message>
        <source>Trend over 12 months</source>
        <translation>近 12 个月趋势</translation>
    </message>
    <message>
        <source>No data</source>
        <translation>无数据</translation>
    </message>
    <message>
        <source>(confidential)</source>
        <translation>（保密）</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>已结案</translation>
    </message>
    <message>
        <source>Open, overdue</source>
        <translation>处理中，已超时</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>处理中</translation>
    </message>
    <message>
        <source>serious</source>
        <translation>严重</translation>
    </message>
    <message>
        <source>Complaint cases</source>
        <translation>投诉明细</translation>
    </message>
    <message>
        <source>No.</source>
        <translation>编号</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>收到</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>科室</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Gist</source>
        <translation>摘要</translation>
    </message>
    <message>
        <source>No complaints were received.</source>
        <translation>本期未收到投诉。</translation>
    </message>
    <message>
        <source>answered</source>
        <translation>已答复</translation>
    </message>
    <message>
        <source>awaiting an answer</source>
        <translation>待答复</translation>
    </message>
    <message>
        <source>Suggestions forwarded to departments</source>
        <translation>抄告科室的建议</translation>
    </message>
    <message>
        <source>No suggestions were forwarded.</source>
        <translation>本期没有抄告的建议。</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>late</source>
        <translation>逾期</translation>
    </message>
    <message>
        <source>Root-cause analyses (5 Whys)</source>
        <translation>根因分析（5 Why）</translation>
    </message>
    <message>
        <source>Found</source>
        <translation>发现日期</translation>
    </message>
    <message>
        <source>Problem</source>
        <translation>问题</translation>
    </message>
    <message>
        <source>Root cause</source>
        <translation>根本原因</translation>
    </message>
    <message>
        <source>Actions</source>
        <translation>改进措施</translation>
    </message>
    <message>
        <source>No root-cause analysis in this period.</source>
        <translation>本期没有根因分析。</translation>
    </message>
    <message>
        <source>{name}: {n} days missing</source>
        <translation>{name}：{n} 天未交</translation>
    </message>
    <message>
        <source>Daily self-checks missing</source>
        <translation>未交每日自查</translation>
    </message>
    <message>
        <source>Every self-check was done.</source>
        <translation>每日自查均已完成。</translation>
    </message>
    <message>
        <source>Figures per month</source>
        <translation>各月指标</translation>
    </message>
    <message>
        <source>Period</source>
        <translation>本期</translation>
    </message>
    <message>
        <source>Complaints</source>
        <translation>投诉</translation>
    </message>
    <message>
        <source>Closed in the period</source>
        <translation>本期结案</translation>
    </message>
    <message>
        <source>Received and still open</source>
        <translation>本期收到且未结案</translation>
    </message>
    <message>
        <source>Open and overdue</source>
        <translation>未结案且已超时</translation>
    </message>
    <message>
        <source>Open now (all periods)</source>
        <translation>目前未结案（所有期间）</translation>
    </message>
    <message>
        <source>Serious, not yet seen by the director</source>
        <translation>院长未阅的严重投诉</translation>
    </message>
    <message>
        <source>Satisfaction this week</source>
        <translation>本周满意度</translation>
    </message>
    <message>
        <source>Answers counted</source>
        <translation>计入答卷数</translation>
    </message>
    <message>
        <source>Made {time} by {name}</source>
        <translation>由 {name} 于 {time} 生成</translation>
    </message>
    <message>
        <source>Internal quality document: complaint details are confidential.</source>
        <translation>内部质量文件：投诉详情保密。</translation>
    </message>
    <message>
        <source>Page {n} / {total}</source>
        <translation>第 {n} / {total} 页</translation>
    </message>
</context>
<context>
    <name>QualityReports</name>
    <message>
        <source>Complaints</source>
        <translation>投诉</translation>
    </message>
    <message>
        <source>Survey answers</source>
        <translation>调查答卷</translation>
    </message>
    <message>
        <source>Follow-up calls</source>
        <translation>随访电话</translation>
    </message>
    <message>
        <source>Self-checks</source>
        <translation>自查记录</translation>
    </message>
    <message>
        <source>Root-cause analyses</source>
        <translation>根因分析</translation>
    </message>
    <message>
        <source>Dashboard figures</source>
        <translation>仪表盘指标</translation>
    </message>
</context>
<context>
    <name>QuestionnaireDialog</name>
    <message>
        <source>Questionnaires</source>
        <translation>问卷</translation>
    </message>
    <message>
        <source>New questionnaire</source>
        <translation>新建问卷</translation>
    </message>
    <message>
        <source>Questionnaire</source>
        <translation>问卷</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Used for</source>
        <translation>用途</translation>
    </message>
    <message>
        <source>Key</source>
        <translation>代码</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Question</source>
        <translation>题目</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Up</source>
        <translation>上移</translation>
    </message>
    <message>
        <source>Down</source>
        <translation>下移</translation>
    </message>
    <message>
        <source>Keys are short codes (a-z, 0-9, _) the answers are stored under; once saved they stay. At least one item must be a 1-5 scale.</source>
        <translation>代码是保存答案用的短代号（a-z、0-9、_），保存后不可更改。至少要有一道 1-5 分的评分题。</translation>
    </message>
    <message>
        <source>Saved keys cannot change: earlier answers use them</source>
        <translation>已保存的代码不能更改：以前的答案用到它</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>已保存。</translation>
    </message>
</context>
<context>
    <name>QueueMessageDialog</name>
    <message>
        <source>Queue a message</source>
        <translation>新建消息</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>患者</translation>
    </message>
    <message>
        <source>Name, pinyin initials, phone digits or record number</source>
        <translation>姓名、拼音首字母、电话号码或病历号</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>消息</translation>
    </message>
    <message>
        <source>Appointment</source>
        <translation>预约时间</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>医生</translation>
    </message>
    <message>
        <source>The patient reads</source>
        <translation>患者将看到</translation>
    </message>
    <message>
        <source>Queue</source>
        <translation>加入待发送</translation>
    </message>
    <message>
        <source>Choose the patient first: search and pick one.</source>
        <translation>请先选择患者：搜索后选中一位。</translation>
    </message>
</context>
<context>
    <name>RatesPanel</name>
    <message>
        <source>This month</source>
        <translation>本月</translation>
    </message>
    <message>
        <source>Last month</source>
        <translation>上月</translation>
    </message>
    <message>
        <source>&amp;Per</source>
        <translation>按(&amp;P)</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>科室</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>医生</translation>
    </message>
    <message>
        <source>Due: planned follow-ups whose deadline falls in the period, except those ended because the patient died, opted out or the visit was re-categorised. On time: done by the deadline.</source>
        <translation>应回访：截止日期在本期间内的计划回访，不含因患者死亡、拒绝回访或就诊重新分类而终止的回访。按时：在截止日期前完成。</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>应回访</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>已回访</translation>
    </message>
    <message>
        <source>Follow-up rate</source>
        <translation>回访率</translation>
    </message>
    <message>
        <source>On time</source>
        <translation>按时</translation>
    </message>
    <message>
        <source>On-time rate</source>
        <translation>按时率</translation>
    </message>
    <message>
        <source>(no doctor recorded)</source>
        <translation>（未记录医生）</translation>
    </message>
    <message>
        <source>(no department)</source>
        <translation>（无科室）</translation>
    </message>
    <message>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>No follow-ups were due in this period.</source>
        <translation>本期间内没有应回访的记录。</translation>
    </message>
</context>
<context>
    <name>ReasonDialog</name>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Suspend membership {card}</source>
        <translation>暂停会员卡 {card}</translation>
    </message>
    <message>
        <source>While suspended no benefit can be used. When it is resumed, its end moves on by the days it was suspended.</source>
        <translation>暂停期间不能使用任何权益。恢复后，到期日按暂停的天数顺延。</translation>
    </message>
    <message>
        <source>Cancel membership {card}</source>
        <translation>注销会员卡 {card}</translation>
    </message>
    <message>
        <source>Cancelling ends the membership for good: the card stops working today. Record a refund if money goes back to the payer.</source>
        <translation>注销将永久终止该会员资格，会员卡今日起失效。如有款项退还给付款人，请登记退款。</translation>
    </message>
    <message>
        <source>Refund</source>
        <translation>退款</translation>
    </message>
</context>
<context>
    <name>ReassignDialog</name>
    <message>
        <source>Reassign the call</source>
        <translation>转派回访</translation>
    </message>
    <message>
        <source>Who calls</source>
        <translation>回访人</translation>
    </message>
    <message>
        <source>No one in particular: anyone in {role}</source>
        <translation>不指定：{role}中任何人均可</translation>
    </message>
</context>
<context>
    <name>Reception</name>
    <message>
        <source>Waiting</source>
        <translation>候诊中</translation>
    </message>
    <message>
        <source>Called</source>
        <translation>已叫号</translation>
    </message>
    <message>
        <source>In consultation</source>
        <translation>就诊中</translation>
    </message>
    <message>
        <source>Back at the desk</source>
        <translation>已回前台</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>Left</source>
        <translation>已离开</translation>
    </message>
    <message>
        <source>Explained the reason for the wait</source>
        <translation>已解释候诊原因</translation>
    </message>
    <message>
        <source>Offered a drink</source>
        <translation>已提供饮水</translation>
    </message>
    <message>
        <source>Offered priority for an examination</source>
        <translation>已提供优先检查</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>其他</translation>
    </message>
    <message>
        <source>Payment</source>
        <translation>缴费</translation>
    </message>
    <message>
        <source>Examination or test</source>
        <translation>检查或检验</translation>
    </message>
    <message>
        <source>Collect medicine</source>
        <translation>取药</translation>
    </message>
    <message>
        <source>Fever</source>
        <translation>发热</translation>
    </message>
    <message>
        <source>Cough or cold</source>
        <translation>咳嗽或感冒</translation>
    </message>
    <message>
        <source>Stomach or bowel</source>
        <translation>胃肠不适</translation>
    </message>
    <message>
        <source>Skin</source>
        <translation>皮肤问题</translation>
    </message>
    <message>
        <source>Child illness</source>
        <translation>儿童疾病</translation>
    </message>
    <message>
        <source>Chronic disease follow-up</source>
        <translation>慢病复诊</translation>
    </message>
    <message>
        <source>Check-up</source>
        <translation>体检</translation>
    </message>
    <message>
        <source>Injury</source>
        <translation>外伤</translation>
    </message>
    <message>
        <source>Women&apos;s health</source>
        <translation>妇科</translation>
    </message>
</context>
<context>
    <name>ReceptionBadge</name>
    <message>
        <source>Child</source>
        <extracomment>short labels for the special-need badges (B6); long ones are in registry_rules</extracomment>
        <translation>儿童</translation>
    </message>
    <message>
        <source>Senior</source>
        <translation>长者</translation>
    </message>
    <message>
        <source>Disability</source>
        <translation>残障</translation>
    </message>
    <message>
        <source>Escort</source>
        <translation>陪诊</translation>
    </message>
</context>
<context>
    <name>ReceptionPage</name>
    <message>
        <source>Find the patient: name, pinyin initials (zs), phone digits… then Enter</source>
        <extracomment>queue statuses the desk still acts on (not done, not gone) booked rows the desk can check in (arrived: marked on the calendar, not queued yet) show something on another page: (feature key, target), e.g. (&quot;calendar&quot;, (day, doctor))</extracomment>
        <translation>查找患者：姓名、拼音首字母（zs）、电话号码…，然后按 Enter</translation>
    </message>
    <message>
        <source>All doctors</source>
        <translation>全部医生</translation>
    </message>
    <message>
        <source>Walk-in…</source>
        <translation>现场挂号…</translation>
    </message>
    <message>
        <source>Queue a patient without an appointment (Ctrl+N)</source>
        <translation>为未预约的患者现场挂号（Ctrl+N）</translation>
    </message>
    <message>
        <source>Day&apos;s end…</source>
        <translation>日终核对…</translation>
    </message>
    <message>
        <source>Who is still waiting or with the doctor; mark the no-shows</source>
        <translation>查看仍在候诊或就诊中的患者，并标记爽约</translation>
    </message>
    <message>
        <source>Check in</source>
        <translation>签到</translation>
    </message>
    <message>
        <source>Check in the selected patient (Enter)</source>
        <translation>为选中的患者签到（Enter）</translation>
    </message>
    <message>
        <source>Handle wait alert…</source>
        <translation>处理候诊超时…</translation>
    </message>
    <message>
        <source>Green channel…</source>
        <translation>绿色通道…</translation>
    </message>
    <message>
        <source>An emergency: first in the doctor&apos;s queue</source>
        <translation>急症：排到该医生候诊队列的最前面</translation>
    </message>
    <message>
        <source>Back to the queue</source>
        <translation>返回候诊</translation>
    </message>
    <message>
        <source>Left without being seen</source>
        <translation>未就诊离开</translation>
    </message>
    <message>
        <source>No.</source>
        <translation>号码</translation>
    </message>
    <message>
        <source>Booked</source>
        <translation>预约时间</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>患者</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>医生</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>候诊时长</translation>
    </message>
    <message>
        <source>Needs</source>
        <translation>特殊需求</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Updated {time}</source>
        <translation>更新于 {time}</translation>
    </message>
    <message>
        <source>{expected} expected · {waiting} waiting · {consulting} in consultation · {done} done</source>
        <translation>待到诊 {expected} · 候诊 {waiting} · 就诊中 {consulting} · 已完成 {done}</translation>
    </message>
    <message>
        <source>Nobody is expected or waiting today yet.</source>
        <translation>今天还没有待到诊或候诊的患者。</translation>
    </message>
    <message numerus="yes">
        <source>⚠ %n waiting longer than {minutes} min</source>
        <translation>
            <numerusform>⚠ %n 人候诊超过 {minutes} 分钟</numerusform>
        </translation>
    </message>
    <message>
        <source>Expected</source>
        <translation>待到诊</translation>
    </message>
    <message>
        <source>{n} min</source>
        <translation>{n} 分钟</translation>
    </message>
    <message>
        <source>✚ Green channel: {reason}</source>
        <translation>✚ 绿色通道：{reason}</translation>
    </message>
    <message>
        <source>Walk-in</source>
        <translation>现场挂号</translation>
    </message>
    <message>
        <source>Wait explained</source>
        <translation>已解释候诊原因</translation>
    </message>
    <message>
        <source>Checked in late</source>
        <translation>签到延迟</translation>
    </message>
    <message>
        <source>Any doctor</source>
        <translation>不限医生</translation>
    </message>
    <message>
        <source>Record no. {no}</source>
        <translation>病历号 {no}</translation>
    </message>
    <message>
        <source>no appointment today · Enter: walk-in</source>
        <translation>今天无预约 · Enter：现场挂号</translation>
    </message>
    <message>
        <source>{time} with {doctor} · Enter: check in</source>
        <translation>{time} 预约{doctor} · Enter：签到</translation>
    </message>
    <message>
        <source>No. {no}, {status}</source>
        <translation>{no} 号，{status}</translation>
    </message>
    <message>
        <source>Already in the queue: No. {no} ({status}).</source>
        <translation>已在候诊队列中：{no} 号（{status}）。</translation>
    </message>
    <message>
        <source>No. {no} left without seeing the doctor. A note for the record (optional), e.g. what the patient said:</source>
        <translation>{no} 号未就诊即离开。可填写备注存档（选填），例如患者说了什么：</translation>
    </message>
</context>
<context>
    <name>RecoveryKeyDialog</name>
    <message>
        <source>New recovery key</source>
        <translation>新的恢复密钥</translation>
    </message>
    <message>
        <source>Clinic passphrase</source>
        <translation>诊所口令</translation>
    </message>
    <message>
        <source>Make a new key</source>
        <translation>生成新密钥</translation>
    </message>
    <message>
        <source>I have written it down</source>
        <translation>我已抄写下来</translation>
    </message>
    <message>
        <source>This is the clinic&apos;s new recovery key. Write it down or print it now and keep it locked away: it is shown only this once. The old recovery key no longer opens the clinic (backups made before today still open with the old key).</source>
        <translation>这是诊所新的恢复密钥。请立即抄写或打印，并锁好保管：它只会显示这一次。旧的恢复密钥已无法打开诊所（今天之前制作的备份仍需使用旧密钥打开）。</translation>
    </message>
    <message>
        <source>A new recovery key replaces the old one at once: the old key stops working. Do this if the printed key was lost or seen by someone else. Type the clinic passphrase to continue.</source>
        <translation>新的恢复密钥会立即取代旧密钥，旧密钥随即失效。如果打印的密钥已遗失或被他人看到，请执行此操作。请输入诊所口令以继续。</translation>
    </message>
    <message>
        <source>Type the clinic passphrase.</source>
        <translation>请输入诊所口令。</translation>
    </message>
    <message>
        <source>Making the new key…</source>
        <translation>正在生成新密钥…</translation>
    </message>
</context>
<context>
    <name>RecoveryKit</name>
    <message>
        <source>ClinicDesk recovery kit</source>
        <translation>ClinicDesk 恢复密钥单</translation>
    </message>
    <message>
        <source>Recovery key for the clinic&apos;s encrypted data</source>
        <translation>诊所加密数据的恢复密钥</translation>
    </message>
    <message>
        <source>What this key is for</source>
        <translation>这个密钥有什么用</translation>
    </message>
    <message>
        <source>This key opens the clinic&apos;s encrypted data on a new computer, or when the clinic passphrase has been forgotten. Whoever holds it can open every patient record, so guard it as carefully as the passphrase.</source>
        <translation>在新电脑上，或忘记诊所口令时，可用此密钥打开诊所的加密数据。持有它的人可以打开所有患者记录，因此请像保管口令一样妥善保管它。</translation>
    </message>
    <message>
        <source>How to keep it</source>
        <translation>如何保管</translation>
    </message>
    <message>
        <source>Keep it on paper, in a locked place away from the computer, such as a locked drawer or a safe.</source>
        <translation>请以纸质形式保存，放在远离电脑、可上锁的地方，例如上锁的抽屉或保险柜。</translation>
    </message>
    <message>
        <source>Never photograph it, scan it, email it or send it in a chat message.</source>
        <translation>切勿拍照、扫描、通过电子邮件发送，或在聊天消息中发送。</translation>
    </message>
    <message>
        <source>If this page was saved as a file, delete the file once the page is printed.</source>
        <translation>如果此页已另存为文件，请在打印后删除该文件。</translation>
    </message>
    <message>
        <source>If the passphrase, this recovery key and every computer&apos;s saved key are all lost, the clinic&apos;s data cannot be recovered by anyone, including ClinicDesk&apos;s makers.</source>
        <translation>如果口令、此恢复密钥以及所有电脑上保存的密钥全部丢失，诊所数据将无法由任何人恢复，包括 ClinicDesk 的开发者。</translation>
    </message>
    <message>
        <source>Stored by {name} on {date}</source>
        <translation>保管人：{name}&#x3000;日期：{date}</translation>
    </message>
    <message>
        <source>Clinic</source>
        <translation>诊所</translation>
    </message>
    <message>
        <source>Clinic ID</source>
        <translation>诊所 ID</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>创建时间</translation>
    </message>
    <message>
        <source>Recovery key</source>
        <translation>恢复密钥</translation>
    </message>
    <message>
        <source>The key has no letters I, L, O or U: 0 is zero and 1 is one.</source>
        <translation>密钥中没有字母 I、L、O 或 U：0 是数字零，1 是数字一。</translation>
    </message>
</context>
<context>
    <name>RecoveryKitPage</name>
    <message>
        <source>Recovery kit - {clinic}</source>
        <translation>恢复密钥单 - {clinic}</translation>
    </message>
    <message>
        <source>Recovery kit</source>
        <translation>恢复密钥单</translation>
    </message>
    <message>
        <source>Preparing the recovery kit…</source>
        <translation>正在准备恢复密钥单…</translation>
    </message>
    <message>
        <source>Saved as {path}. Print it, keep the paper somewhere safe, then delete the file.</source>
        <translation>已保存为 {path}。请打印出来，把纸张存放在安全的地方，然后删除该文件。</translation>
    </message>
    <message>
        <source>The recovery kit was sent to the printer.</source>
        <translation>恢复密钥单已发送到打印机。</translation>
    </message>
    <message>
        <source>The recovery kit</source>
        <translation>恢复密钥单</translation>
    </message>
    <message>
        <source>This is the recovery key of this computer&apos;s copy of the clinic&apos;s data. It opens the copy if this computer&apos;s passphrase is forgotten. It is shown only now: print the recovery kit, or save it as a PDF and print it soon.</source>
        <translation>这是本机诊所数据副本的恢复密钥。忘记本机口令时，可用它打开这份副本。它只在此时显示：请打印恢复密钥单，或另存为 PDF 并尽快打印。</translation>
    </message>
    <message>
        <source>This is the clinic&apos;s recovery key. It opens the clinic&apos;s data if the passphrase is forgotten. It is shown only now: print the recovery kit, or save it as a PDF and print it soon.</source>
        <translation>这是诊所的恢复密钥。忘记口令时，可用它打开诊所数据。它只在此时显示：请打印恢复密钥单，或另存为 PDF 并尽快打印。</translation>
    </message>
    <message>
        <source>If the passphrase, this recovery key and every computer&apos;s saved key are all lost, the clinic&apos;s data cannot be recovered by anyone.</source>
        <translation>如果口令、此恢复密钥以及所有电脑上保存的密钥全部丢失，诊所数据将无法由任何人恢复。</translation>
    </message>
    <message>
        <source>Save as PDF…</source>
        <translation>另存为 PDF…</translation>
    </message>
    <message>
        <source>Print…</source>
        <translation>打印…</translation>
    </message>
    <message>
        <source>I have printed or saved the recovery kit and will keep it somewhere safe</source>
        <translation>我已打印或保存恢复密钥单，并会将其存放在安全的地方</translation>
    </message>
</context>
<context>
    <name>ReferOutDialog</name>
    <message>
        <source>Refer to a hospital</source>
        <translation>转诊至医院</translation>
    </message>
    <message>
        <source>Hospital or clinic</source>
        <translation>医院或诊所</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>科室</translation>
    </message>
    <message>
        <source>Urgency</source>
        <translation>紧急程度</translation>
    </message>
    <message>
        <source>Reason for referral</source>
        <translation>转诊原因</translation>
    </message>
    <message>
        <source>Summary for the hospital</source>
        <translation>给医院的病情摘要</translation>
    </message>
    <message>
        <source>Drafting the summary from the record…</source>
        <translation>正在根据病历生成摘要草稿…</translation>
    </message>
</context>
<context>
    <name>Referral</name>
    <message>
        <source>female</source>
        <translation>女</translation>
    </message>
    <message>
        <source>male</source>
        <translation>男</translation>
    </message>
    <message>
        <source>not stated</source>
        <translation>未说明</translation>
    </message>
    <message>
        <source>emergency</source>
        <translation>急诊</translation>
    </message>
    <message>
        <source>urgent</source>
        <translation>紧急</translation>
    </message>
    <message>
        <source>routine</source>
        <translation>常规</translation>
    </message>
    <message>
        <source>open</source>
        <translation>待处理</translation>
    </message>
    <message>
        <source>handled</source>
        <translation>已处理</translation>
    </message>
    <message>
        <source>None recorded.</source>
        <translation>无记录。</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>患者</translation>
    </message>
    <message>
        <source>Sex</source>
        <translation>性别</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>出生日期</translation>
    </message>
    <message>
        <source>BP</source>
        <translation>血压</translation>
    </message>
    <message>
        <source>Referral summary</source>
        <translation>转诊摘要</translation>
    </message>
    <message>
        <source>Allergies</source>
        <translation>过敏史</translation>
    </message>
    <message>
        <source>Current medication</source>
        <translation>当前用药</translation>
    </message>
    <message>
        <source>Chronic conditions</source>
        <translation>慢性病</translation>
    </message>
    <message>
        <source>Recent visits</source>
        <translation>近期就诊</translation>
    </message>
    <message>
        <source>Latest vital signs</source>
        <translation>最近生命体征</translation>
    </message>
    <message>
        <source>Pulse</source>
        <translation>脉搏</translation>
    </message>
    <message>
        <source>Temperature</source>
        <translation>体温</translation>
    </message>
    <message>
        <source>SpO2</source>
        <translation>血氧</translation>
    </message>
    <message>
        <source>Respiration</source>
        <translation>呼吸</translation>
    </message>
    <message>
        <source>Weight</source>
        <translation>体重</translation>
    </message>
    <message>
        <source>Glucose</source>
        <translation>血糖</translation>
    </message>
</context>
<context>
    <name>ReferralsTab</name>
    <message>
        <source>Referrals</source>
        <translation>转诊</translation>
    </message>
    <message>
        <source>Refer to a hospital…</source>
        <translation>转诊至医院…</translation>
    </message>
    <message>
        <source>Log an incoming referral…</source>
        <translation>登记转入转诊…</translation>
    </message>
    <message>
        <source>Mark handled</source>
        <translation>标记为已处理</translation>
    </message>
    <message>
        <source>Print referral letter…</source>
        <translation>打印转诊单…</translation>
    </message>
    <message>
        <source>The letter for the hospital: reason, allergies, medication and summary</source>
        <translation>交给医院的转诊单：转诊原因、过敏史、用药和病情摘要</translation>
    </message>
    <message>
        <source>Only referrals to this clinic are listed here; the reasons and summaries are part of the clinical record.</source>
        <translation>此处仅列出转入本诊所的转诊；转诊原因和摘要属于临床病历的一部分。</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Direction</source>
        <translation>转诊方向</translation>
    </message>
    <message>
        <source>Hospital or clinic</source>
        <translation>医院或诊所</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>科室</translation>
    </message>
    <message>
        <source>Urgency</source>
        <translation>紧急程度</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Referred by</source>
        <translation>转诊来源</translation>
    </message>
    <message>
        <source>To them</source>
        <translation>转出</translation>
    </message>
    <message>
        <source>To us</source>
        <translation>转入</translation>
    </message>
    <message>
        <source>No referrals recorded.</source>
        <translation>暂无转诊记录。</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <source>Referred to {partner} on {when}</source>
        <translation>{when} 转诊至 {partner}</translation>
    </message>
    <message>
        <source>Referred to us by {partner} on {when}</source>
        <translation>{when} 由 {partner} 转入本诊所</translation>
    </message>
    <message>
        <source>handled {when}</source>
        <translation>{when} 已处理</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Summary</source>
        <translation>摘要</translation>
    </message>
    <message>
        <source>Log an incoming referral</source>
        <translation>登记转入转诊</translation>
    </message>
    <message>
        <source>Referring clinic</source>
        <translation>转诊来源机构</translation>
    </message>
    <message>
        <source>Reason, as the referring clinic wrote it</source>
        <translation>转诊原因（按来源机构的原文填写）</translation>
    </message>
    <message>
        <source>The reason goes to the doctor with the record; once saved, the desk sees only who referred the patient and how urgently.</source>
        <translation>转诊原因将随病历交给医生；保存后，前台只能看到转诊来源和紧急程度。</translation>
    </message>
    <message>
        <source>Choose a referral in the list first.</source>
        <translation>请先在列表中选择一条转诊记录。</translation>
    </message>
    <message>
        <source>A letter is printed for referrals to a hospital, not for those to us.</source>
        <translation>只有转出到医院的转诊才打印转诊单，转入本诊所的不打印。</translation>
    </message>
</context>
<context>
    <name>RemoveMemberDialog</name>
    <message>
        <source>Remove a member from {card}</source>
        <translation>从会员卡 {card} 移除成员</translation>
    </message>
    <message>
        <source>The person leaves today; their past uses stay in the history.</source>
        <translation>此人今日起退出；其以往的权益使用记录仍会保留。</translation>
    </message>
    <message>
        <source>Person</source>
        <translation>成员</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Only the payer is on this membership; there is no one to remove.</source>
        <translation>此会员只有付款人一人，没有可移除的成员。</translation>
    </message>
</context>
<context>
    <name>RenewDialog</name>
    <message>
        <source>Renew membership {card}</source>
        <translation>会员卡 {card} 续费</translation>
    </message>
    <message>
        <source>{tier}, paid by {payer}. The price is that of the tier today.</source>
        <translation>{tier}，付款人：{payer}。按该等级的现行价格收费。</translation>
    </message>
    <message>
        <source>Periods</source>
        <translation>期数</translation>
    </message>
    <message>
        <source>Payment</source>
        <translation>付款</translation>
    </message>
    <message>
        <source>This membership lapsed: it ended on {ended}. Renewing starts a new term today, {first} to {last}; the days in between are not covered.</source>
        <translation>该会员已于 {ended} 到期。现在续费，新有效期从今天开始：{first} 至 {last}；中间这段时间不在有效期内。</translation>
    </message>
    <message>
        <source>The current term ends on {ended}. The new term runs on from {first} to {last}.</source>
        <translation>当前有效期至 {ended}。新有效期接续为 {first} 至 {last}。</translation>
    </message>
</context>
<context>
    <name>ReportsPanel</name>
    <message>
        <source>Quality reports</source>
        <translation>质量报告</translation>
    </message>
    <message>
        <source>Week: complaint feedback</source>
        <translation>周：投诉反馈</translation>
    </message>
    <message>
        <source>Month: analysis for the director</source>
        <translation>月：院长分析报告</translation>
    </message>
    <message>
        <source>Quarter: summary</source>
        <translation>季度：汇总</translation>
    </message>
    <message>
        <source>Year: summary</source>
        <translation>年度：汇总</translation>
    </message>
    <message>
        <source>Report</source>
        <translation>报告</translation>
    </message>
    <message>
        <source>Period holding</source>
        <translation>所在期间包含</translation>
    </message>
    <message>
        <source>Report as PDF</source>
        <translation>PDF 报告</translation>
    </message>
    <message>
        <source>The preview can print the report or save it as a PDF. Complaint details appear only for those who may read them.</source>
        <translation>在预览中可打印报告或另存为 PDF。投诉详情只对有权查看的人显示。</translation>
    </message>
    <message>
        <source>Preview…</source>
        <translation>预览…</translation>
    </message>
    <message>
        <source>The figures behind it, as a CSV file</source>
        <translation>报告所依据的数据（CSV 文件）</translation>
    </message>
    <message>
        <source>Table</source>
        <translation>数据表</translation>
    </message>
    <message>
        <source>Export CSV…</source>
        <translation>导出 CSV…</translation>
    </message>
    <message>
        <source>{first} to {last}</source>
        <translation>{first} 至 {last}</translation>
    </message>
    <message>
        <source>Weekly complaint feedback {first} to {last}</source>
        <translation>投诉周反馈 {first} 至 {last}</translation>
    </message>
    <message>
        <source>Monthly quality analysis {first} to {last}</source>
        <translation>月度质量分析 {first} 至 {last}</translation>
    </message>
    <message>
        <source>Quarterly quality summary {first} to {last}</source>
        <translation>季度质量汇总 {first} 至 {last}</translation>
    </message>
    <message>
        <source>Yearly quality summary {first} to {last}</source>
        <translation>年度质量汇总 {first} 至 {last}</translation>
    </message>
    <message>
        <source>Building the report…</source>
        <translation>正在生成报告…</translation>
    </message>
    <message>
        <source>Members by tier</source>
        <translation>各等级会员数</translation>
    </message>
    <message>
        <source>Renewals due</source>
        <translation>待续费</translation>
    </message>
    <message>
        <source>Lapsed</source>
        <translation>已过期未续费</translation>
    </message>
    <message>
        <source>Benefit use</source>
        <translation>权益使用情况</translation>
    </message>
    <message>
        <source>Allowances overdrawn</source>
        <translation>超额使用</translation>
    </message>
    <message>
        <source>ending within</source>
        <translation>到期日在</translation>
    </message>
    <message>
        <source> days</source>
        <translation> 天内</translation>
    </message>
    <message>
        <source>from</source>
        <translation>从</translation>
    </message>
    <message>
        <source>to</source>
        <translation>至</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Seen</source>
        <translation>已阅</translation>
    </message>
    <message>
        <source>You have looked at this overdraft; it leaves the list</source>
        <translation>您已查看这条超额使用，它将从列表中移除</translation>
    </message>
    <message>
        <source>Current memberships and the people they cover, today.</source>
        <translation>截至今天的现有会员数及涵盖人数。</translation>
    </message>
    <message>
        <source>Memberships ending soon and not cancelled: call the payer to renew.</source>
        <translation>即将到期且未注销的会员：请致电付款人续费。</translation>
    </message>
    <message>
        <source>Ended recently and not renewed; after the grace days set in Settings they leave this list.</source>
        <translation>近期已到期且未续费的会员；超过“设置”中的宽限天数后不再列出。</translation>
    </message>
    <message>
        <source>Benefit uses in the period, undone ones taken off.</source>
        <translation>所选期间内的权益使用次数（已扣除撤销的使用）。</translation>
    </message>
    <message>
        <source>Two desks working offline can each record the last use of an allowance; after the sync the period holds more than allowed. Look at each, then mark it seen.</source>
        <translation>两台工作站离线时可能各自登记了同一额度的最后一次使用，同步后该周期的使用次数就会超出额度。请逐条查看，然后标记为已阅。</translation>
    </message>
    <message>
        <source>Tier</source>
        <translation>等级</translation>
    </message>
    <message>
        <source>Memberships</source>
        <translation>会员数</translation>
    </message>
    <message>
        <source>People</source>
        <translation>人数</translation>
    </message>
    <message>
        <source>Of them suspended</source>
        <translation>其中暂停</translation>
    </message>
    <message>
        <source>Payer</source>
        <translation>付款人</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Card no.</source>
        <translation>卡号</translation>
    </message>
    <message>
        <source>Ends on</source>
        <translation>到期日</translation>
    </message>
    <message>
        <source>Days left</source>
        <translation>剩余天数</translation>
    </message>
    <message>
        <source>Ended</source>
        <translation>已过期</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Benefit</source>
        <translation>权益</translation>
    </message>
    <message>
        <source>Uses</source>
        <translation>使用次数</translation>
    </message>
    <message>
        <source>Members</source>
        <translation>使用人数</translation>
    </message>
    <message>
        <source>Period</source>
        <translation>周期</translation>
    </message>
    <message>
        <source>Allowed</source>
        <translation>额度</translation>
    </message>
    <message>
        <source>Used</source>
        <translation>已用</translation>
    </message>
    <message>
        <source>Marked as seen.</source>
        <translation>已标记为已阅。</translation>
    </message>
    <message>
        <source>Export CSV</source>
        <translation>导出 CSV</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <source>Exporting…</source>
        <translation>正在导出…</translation>
    </message>
    <message numerus="yes">
        <source>Saved %n row(s) of {table} to {path}.</source>
        <translation>
            <numerusform>已将{table}的 %n 行保存到 {path}。</numerusform>
        </translation>
    </message>
    <message>
        <source>Could not write {path}: {reason}. Nothing was saved. Choose a folder you may write to (for example your Documents) and try again.</source>
        <translation>无法写入 {path}：{reason}。未保存任何内容。请选择有写入权限的文件夹（例如“文档”）后重试。</translation>
    </message>
</context>
<context>
    <name>ReportsTab</name>
    <message>
        <source>Reports and assessments</source>
        <translation>报告与评估</translation>
    </message>
    <message>
        <source>Examination reports and attachments</source>
        <translation>检查报告和附件</translation>
    </message>
    <message>
        <source>Health assessments</source>
        <translation>健康评估</translation>
    </message>
    <message>
        <source>Add file…</source>
        <translation>添加文件…</translation>
    </message>
    <message>
        <source>Save a copy…</source>
        <translation>另存副本…</translation>
    </message>
    <message>
        <source>Save a copy of the chosen file to this computer</source>
        <translation>将所选文件另存一份到本机</translation>
    </message>
    <message>
        <source>New assessment…</source>
        <translation>新建评估…</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>File name</source>
        <translation>文件名</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>Risk</source>
        <translation>风险</translation>
    </message>
    <message>
        <source>Summary</source>
        <translation>摘要</translation>
    </message>
    <message>
        <source> (corrected)</source>
        <translation>（已更正）</translation>
    </message>
    <message>
        <source>No health assessments yet.</source>
        <translation>暂无健康评估。</translation>
    </message>
    <message>
        <source>Recommendations</source>
        <translation>建议</translation>
    </message>
    <message>
        <source>Corrected {when} by {who}. Reason: {reason}</source>
        <translation>{who} 于 {when} 更正。原因：{reason}</translation>
    </message>
    <message>
        <source>Choose the report or file to add</source>
        <translation>选择要添加的报告或文件</translation>
    </message>
    <message>
        <source>Reports and images (*.pdf *.jpg *.jpeg *.png *.tif *.tiff);;All files (*)</source>
        <translation>报告和图片 (*.pdf *.jpg *.jpeg *.png *.tif *.tiff);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Choose a file in the list first.</source>
        <translation>请先在列表中选择一个文件。</translation>
    </message>
    <message>
        <source>Save a copy as</source>
        <translation>副本另存为</translation>
    </message>
    <message>
        <source>A copy was saved to {path}.</source>
        <translation>副本已保存到 {path}。</translation>
    </message>
    <message>
        <source>New health assessment</source>
        <translation>新建健康评估</translation>
    </message>
    <message>
        <source>Kind of assessment</source>
        <translation>评估类型</translation>
    </message>
    <message>
        <source>What the assessment found</source>
        <translation>评估结果</translation>
    </message>
    <message>
        <source>e.g. general, diabetes, hypertension</source>
        <translation>例如 综合、糖尿病、高血压</translation>
    </message>
</context>
<context>
    <name>ResetPasswordDialog</name>
    <message>
        <source>Reset password</source>
        <translation>重置密码</translation>
    </message>
    <message>
        <source>Set a temporary password for {name} ({login}). Tell it to them in person; they must choose their own password at their next sign-in. This also unlocks the account.</source>
        <translation>为 {name}（{login}）设置临时密码。请当面告知对方；对方下次登录时必须设置自己的密码。此操作同时会解锁该账号。</translation>
    </message>
    <message>
        <source>Temporary password</source>
        <translation>临时密码</translation>
    </message>
    <message>
        <source>Temporary password again</source>
        <translation>再次输入临时密码</translation>
    </message>
    <message>
        <source>The two passwords are not the same.</source>
        <translation>两次输入的密码不一致。</translation>
    </message>
</context>
<context>
    <name>ResourcesPanel</name>
    <message>
        <source>Rooms and devices that appointments can need, such as the ultrasound room or the ECG machine. Booking a type that needs one checks it is free.</source>
        <translation>预约可能需要占用的诊室和设备，例如超声室、心电图机。预约需要这些资源的类型时，会检查其是否空闲。</translation>
    </message>
    <message>
        <source>Also show those taken off the calendar</source>
        <translation>同时显示已从日程中移除的</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>说明</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>添加…</translation>
    </message>
    <message>
        <source>Rename…</source>
        <translation>重命名…</translation>
    </message>
    <message>
        <source>Room</source>
        <translation>诊室</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>In use</source>
        <translation>使用中</translation>
    </message>
    <message>
        <source>Off the calendar</source>
        <translation>已从日程中移除</translation>
    </message>
    <message>
        <source>Put back on the calendar</source>
        <translation>重新加入日程</translation>
    </message>
    <message>
        <source>Take off the calendar</source>
        <translation>从日程中移除</translation>
    </message>
    <message>
        <source>Add a room or device</source>
        <translation>添加诊室或设备</translation>
    </message>
    <message>
        <source>Added.</source>
        <translation>已添加。</translation>
    </message>
    <message>
        <source>Rename a room or device</source>
        <translation>重命名诊室或设备</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>已保存。</translation>
    </message>
    <message>
        <source>{name} is off the calendar.</source>
        <translation>{name}已从日程中移除。</translation>
    </message>
    <message>
        <source>{name} is back on the calendar.</source>
        <translation>{name}已重新加入日程。</translation>
    </message>
</context>
<context>
    <name>RiskLevel</name>
    <message>
        <source>Not rated</source>
        <translation>未评级</translation>
    </message>
    <message>
        <source>Low</source>
        <translation>低</translation>
    </message>
    <message>
        <source>Medium</source>
        <translation>中</translation>
    </message>
    <message>
        <source>High</source>
        <translation>高</translation>
    </message>
</context>
<context>
    <name>Roles</name>
    <message>
        <source>Receptionist</source>
        <translation>前台</translation>
    </message>
    <message>
        <source>Triage nurse</source>
        <translation>导诊护士</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>医生</translation>
    </message>
    <message>
        <source>Pharmacist</source>
        <translation>药师</translation>
    </message>
    <message>
        <source>Health manager</source>
        <translation>健康管理师</translation>
    </message>
    <message>
        <source>Customer service</source>
        <translation>客服</translation>
    </message>
    <message>
        <source>Director</source>
        <translation>院长</translation>
    </message>
</context>
<context>
    <name>RootCauseDialog</name>
    <message>
        <source>Root cause (5 Why)</source>
        <translation>根因分析（5 Why）</translation>
    </message>
    <message>
        <source>Ask why it happened, then why that happened, up to five times, until you reach a cause the clinic can change. Write in general terms: no names.</source>
        <translation>先问为什么会发生，再问那又是为什么，最多五次，直到找到诊所能改变的原因。概括描述，不写姓名。</translation>
    </message>
    <message>
        <source>Problem</source>
        <translation>问题</translation>
    </message>
    <message>
        <source>What went wrong, in general terms</source>
        <translation>出了什么问题（概括描述）</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>科室</translation>
    </message>
    <message>
        <source>Owner and due</source>
        <translation>负责人及时限</translation>
    </message>
    <message>
        <source>Why {n}?</source>
        <translation>为什么 {n}？</translation>
    </message>
    <message>
        <source>Why did the problem happen?</source>
        <translation>问题为什么会发生？</translation>
    </message>
    <message>
        <source>Why did that happen?</source>
        <translation>那又是为什么？</translation>
    </message>
    <message>
        <source>Root cause</source>
        <translation>根本原因</translation>
    </message>
    <message>
        <source>Actions</source>
        <translation>改进措施</translation>
    </message>
    <message>
        <source>What will change, who does it, by when</source>
        <translation>改什么、谁来做、何时完成</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>The analysis is complete: the root cause and the actions are written</source>
        <translation>分析完成：已写明根本原因和改进措施</translation>
    </message>
    <message numerus="yes">
        <source>You; due %n hour(s) after it is found (now).</source>
        <translation>
            <numerusform>您；须在发现问题（现在）后 %n 小时内完成。</numerusform>
        </translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <source>complaint {number}</source>
        <translation>投诉 {number}</translation>
    </message>
</context>
<context>
    <name>RootCausesPanel</name>
    <message>
        <source>{due} (done {time})</source>
        <translation>{due}（{time} 完成）</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>进行中</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>New analysis…</source>
        <translation>新建分析…</translation>
    </message>
    <message>
        <source>A problem found: ask why, five times, within a day</source>
        <translation>发现问题：一天内连问五个为什么</translation>
    </message>
    <message>
        <source>Open…</source>
        <translation>打开…</translation>
    </message>
    <message>
        <source>Problem</source>
        <translation>问题</translation>
    </message>
    <message>
        <source>Complaint</source>
        <translation>投诉</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>科室</translation>
    </message>
    <message>
        <source>Owner</source>
        <translation>负责人</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>时限</translation>
    </message>
    <message>
        <source>Root cause</source>
        <translation>根本原因</translation>
    </message>
    <message numerus="yes">
        <source>%n analysis(es)</source>
        <translation>
            <numerusform>%n 项分析</numerusform>
        </translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
</context>
<context>
    <name>RostersTab</name>
    <message>
        <source>All day</source>
        <translation>全天</translation>
    </message>
    <message>
        <source>{h} h {m} min</source>
        <translation>{h} 小时 {m} 分钟</translation>
    </message>
    <message>
        <source>Read only: the director sets up doctors&apos; hours, rooms, appointment types and closures.</source>
        <translation>只读：医生出诊时间、诊室、预约类型和休诊日均由院长设置。</translation>
    </message>
    <message>
        <source>Doctors and hours</source>
        <translation>医生与出诊时间</translation>
    </message>
    <message>
        <source>Rooms and devices</source>
        <translation>诊室与设备</translation>
    </message>
    <message>
        <source>Appointment types</source>
        <translation>预约类型</translation>
    </message>
    <message>
        <source>Closures and holidays</source>
        <translation>休诊日与节假日</translation>
    </message>
</context>
<context>
    <name>Satisfaction</name>
    <message>
        <source>Overall, how satisfied are you with your visit?</source>
        <translation>您对本次就诊的总体满意度如何？</translation>
    </message>
    <message>
        <source>How satisfied are you with the doctor&apos;s explanation?</source>
        <translation>您对医生的解释说明满意吗？</translation>
    </message>
    <message>
        <source>How satisfied are you with the staff&apos;s attitude?</source>
        <translation>您对工作人员的服务态度满意吗？</translation>
    </message>
    <message>
        <source>How satisfied are you with the waiting time?</source>
        <translation>您对候诊时间满意吗？</translation>
    </message>
    <message>
        <source>How satisfied are you with the clinic&apos;s environment?</source>
        <translation>您对诊所环境满意吗？</translation>
    </message>
    <message>
        <source>What could we do better?</source>
        <translation>您认为我们还有哪些地方可以改进？</translation>
    </message>
</context>
<context>
    <name>SearchView</name>
    <message>
        <source>Search: name, pinyin or initials (zs), phone digits, ID or record number (Ctrl+K)</source>
        <translation>搜索：姓名、拼音或首字母（zs）、电话号码、证件号码或病历号（Ctrl+K）</translation>
    </message>
    <message>
        <source>New patient…</source>
        <translation>登记新患者…</translation>
    </message>
    <message>
        <source>Register a new patient (Ctrl+N)</source>
        <translation>登记新患者（Ctrl+N）</translation>
    </message>
    <message>
        <source>Import…</source>
        <translation>导入…</translation>
    </message>
    <message>
        <source>Import patients from an Excel or CSV file</source>
        <translation>从 Excel 或 CSV 文件导入患者</translation>
    </message>
    <message>
        <source>Type to search; Enter opens the first patient.</source>
        <translation>输入即可搜索；按 Enter 打开第一位患者。</translation>
    </message>
    <message numerus="yes">
        <source>%n patient(s) found</source>
        <translation>
            <numerusform>找到 %n 位患者</numerusform>
        </translation>
    </message>
    <message>
        <source>No patient found. Check the spelling, or register a new patient (Ctrl+N).</source>
        <translation>未找到患者。请检查输入是否正确，或登记新患者（Ctrl+N）。</translation>
    </message>
</context>
<context>
    <name>SecurityTab</name>
    <message>
        <source>Clinic passphrase and recovery key</source>
        <translation>诊所口令和恢复密钥</translation>
    </message>
    <message>
        <source>The passphrase unlocks the clinic&apos;s encrypted data and its backups. Change it when someone who knew it leaves the clinic.</source>
        <translation>口令用于解锁诊所的加密数据及其备份。知道口令的人离开诊所时，请更改口令。</translation>
    </message>
    <message>
        <source>Change clinic passphrase…</source>
        <translation>更改诊所口令…</translation>
    </message>
    <message>
        <source>The recovery key opens the data if the passphrase is forgotten. Make a new one if the printed key was lost or seen by someone else.</source>
        <translation>忘记口令时，可用恢复密钥打开数据。如果打印的密钥已遗失或被他人看到，请生成新的恢复密钥。</translation>
    </message>
    <message>
        <source>New recovery key…</source>
        <translation>生成新的恢复密钥…</translation>
    </message>
    <message>
        <source>Backup</source>
        <translation>备份</translation>
    </message>
    <message>
        <source>ClinicDesk makes a backup every day when the daily backup is on. Make one now before a big change, or to take a copy away on a USB disk.</source>
        <translation>开启每日备份后，ClinicDesk 每天都会自动备份。在进行重大更改之前，或需要用 U 盘带走一份副本时，请立即备份。</translation>
    </message>
    <message>
        <source>Back up now…</source>
        <translation>立即备份…</translation>
    </message>
    <message>
        <source>Daily backups go to</source>
        <translation>每日备份保存位置</translation>
    </message>
    <message>
        <source>Last daily backup</source>
        <translation>最近一次每日备份</translation>
    </message>
    <message>
        <source>…</source>
        <translation>…</translation>
    </message>
    <message>
        <source>Daily backups are turned off (see Settings › Backup).</source>
        <translation>每日备份已关闭（见 设置 › 备份）。</translation>
    </message>
    <message>
        <source>None yet; the first is made when ClinicDesk starts.</source>
        <translation>暂无；ClinicDesk 启动时会进行第一次备份。</translation>
    </message>
    <message>
        <source>The clinic passphrase is changed. Use the new one from now on.</source>
        <translation>诊所口令已更改。从现在起请使用新口令。</translation>
    </message>
    <message>
        <source>The new recovery key is in place; the old one no longer works.</source>
        <translation>新的恢复密钥已生效；旧密钥已失效。</translation>
    </message>
    <message>
        <source>Save the backup as</source>
        <translation>将备份另存为</translation>
    </message>
    <message>
        <source>ClinicDesk backup (*.cdbak)</source>
        <translation>ClinicDesk 备份 (*.cdbak)</translation>
    </message>
    <message>
        <source>Making the backup…</source>
        <translation>正在备份…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Cancelling the backup…</source>
        <translation>正在取消备份…</translation>
    </message>
    <message>
        <source>Copying the clinic&apos;s data…</source>
        <translation>正在复制诊所数据…</translation>
    </message>
    <message>
        <source>Checking the copy…</source>
        <translation>正在校验副本…</translation>
    </message>
    <message>
        <source>Writing the backup file…</source>
        <translation>正在写入备份文件…</translation>
    </message>
    <message>
        <source>Done.</source>
        <translation>完成。</translation>
    </message>
    <message>
        <source>Backup saved: {path} ({size}).</source>
        <translation>备份已保存：{path}（{size}）。</translation>
    </message>
    <message>
        <source>The backup was cancelled; no file was written.</source>
        <translation>备份已取消，未写入任何文件。</translation>
    </message>
</context>
<context>
    <name>SelfCheck</name>
    <message>
        <source>Every patient&apos;s details complete (no missing phone / ID)</source>
        <translation>所有患者信息完整（电话、证件号无缺漏）</translation>
    </message>
    <message>
        <source>Tomorrow&apos;s bookings confirmed</source>
        <translation>明日预约已确认</translation>
    </message>
    <message>
        <source>No-shows of the day marked and called back</source>
        <translation>当日爽约已标记并回电</translation>
    </message>
    <message>
        <source>Waiting patients kept informed; long waits handled</source>
        <translation>已及时告知候诊患者进度；候诊超时已处理</translation>
    </message>
    <message>
        <source>Front desk and waiting area tidy</source>
        <translation>前台及候诊区整洁</translation>
    </message>
    <message>
        <source>Vital signs recorded for every patient triaged</source>
        <translation>每位分诊患者的生命体征均已记录</translation>
    </message>
    <message>
        <source>Allergies and current medication confirmed at check-in</source>
        <translation>签到时已确认过敏史和当前用药</translation>
    </message>
    <message>
        <source>Same-day follow-up calls made</source>
        <translation>当日回访电话已完成</translation>
    </message>
    <message>
        <source>Equipment cleaned and supplies restocked</source>
        <translation>设备已清洁，耗材已补充</translation>
    </message>
    <message>
        <source>Today&apos;s records complete and signed</source>
        <translation>今日病历书写完整并已签名</translation>
    </message>
    <message>
        <source>Follow-up plans set for today&apos;s patients</source>
        <translation>今日患者的回访计划已设定</translation>
    </message>
    <message>
        <source>Prescriptions checked and explained to patients</source>
        <translation>处方已核对并向患者交代清楚</translation>
    </message>
    <message>
        <source>Referrals and test results passed on</source>
        <translation>转诊和检查结果已及时传达</translation>
    </message>
    <message>
        <source>Every prescription checked before dispensing</source>
        <translation>每张处方发药前均已审核</translation>
    </message>
    <message>
        <source>Medication cards and guidance given</source>
        <translation>已发放用药提醒卡并进行用药指导</translation>
    </message>
    <message>
        <source>Stock and expiry dates checked</source>
        <translation>库存及有效期已检查</translation>
    </message>
    <message>
        <source>Today&apos;s follow-up calls made or rescheduled</source>
        <translation>今日回访电话已完成或已改期</translation>
    </message>
    <message>
        <source>Health records of today&apos;s members updated</source>
        <translation>今日会员的健康档案已更新</translation>
    </message>
    <message>
        <source>Calls spot-checked</source>
        <translation>回访电话已抽查</translation>
    </message>
    <message>
        <source>Today&apos;s follow-up and survey calls made</source>
        <translation>今日回访及满意度调查电话已完成</translation>
    </message>
    <message>
        <source>Complaints of the day accepted and contacted on time</source>
        <translation>当日投诉均已按时受理并联系投诉人</translation>
    </message>
    <message>
        <source>Suggestions forwarded to the departments</source>
        <translation>意见建议已抄告相关科室</translation>
    </message>
    <message>
        <source>Complaint deadlines due tomorrow checked</source>
        <translation>明日到期的投诉时限已核查</translation>
    </message>
    <message>
        <source>Escalated complaints seen and answered</source>
        <translation>上报的投诉已查阅并答复</translation>
    </message>
    <message>
        <source>Quality dashboard reviewed</source>
        <translation>质量看板已查看</translation>
    </message>
    <message>
        <source>Staff self-checks of the day reviewed</source>
        <translation>当日员工自查已审阅</translation>
    </message>
</context>
<context>
    <name>SelfCheckPanel</name>
    <message>
        <source>What was missed, and what you did</source>
        <translation>漏做了什么，已如何处理</translation>
    </message>
    <message>
        <source>My self-check for {day}</source>
        <translation>我的当日自查（{day}）</translation>
    </message>
    <message>
        <source>Anything else about today (optional)</source>
        <translation>今天的其他情况（可不填）</translation>
    </message>
    <message>
        <source>Missing self-checks</source>
        <translation>未交自查</translation>
    </message>
    <message>
        <source>Checklists</source>
        <translation>自查表</translation>
    </message>
    <message>
        <source>Your role has no checklist yet.</source>
        <translation>您的岗位还没有自查表。</translation>
    </message>
    <message>
        <source>Not submitted yet: tick each item at the end of the day.</source>
        <translation>尚未提交：请在下班前逐项勾选。</translation>
    </message>
    <message>
        <source>Submit</source>
        <translation>提交</translation>
    </message>
    <message>
        <source>Submitted at {time}. You can change it and submit again.</source>
        <translation>已于 {time} 提交，可修改后再次提交。</translation>
    </message>
    <message>
        <source>Update</source>
        <translation>更新</translation>
    </message>
    <message>
        <source>Say what was missed in item {n}, or tick it if it was done.</source>
        <translation>请说明第 {n} 项漏做了什么；如已完成请勾选。</translation>
    </message>
    <message>
        <source>Thank you. Your self-check is saved.</source>
        <translation>谢谢，您的自查已保存。</translation>
    </message>
</context>
<context>
    <name>SendBackDialog</name>
    <message>
        <source>Send back to the desk</source>
        <translation>送回前台</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Note for the desk</source>
        <translation>给前台的备注</translation>
    </message>
    <message>
        <source>No. {number} · {patient} goes back to the desk and keeps the queue number.</source>
        <translation>{number} 号 · {patient}回前台办理，排队号保留不变。</translation>
    </message>
    <message>
        <source>Send back</source>
        <translation>送回</translation>
    </message>
</context>
<context>
    <name>SeriesChangeDialog</name>
    <message>
        <source>Only this one</source>
        <translation>仅这一次</translation>
    </message>
    <message>
        <source>This and the following ones</source>
        <translation>这一次及以后各次</translation>
    </message>
    <message>
        <source>All future ones</source>
        <translation>以后的全部</translation>
    </message>
    <message>
        <source>Move a repeating appointment</source>
        <translation>改期系列预约</translation>
    </message>
    <message>
        <source>This appointment is part of a series. Move only this one, or the later ones too? They keep their own days and take the new time, length and doctor. Past appointments stay as they are.</source>
        <translation>这是系列预约中的一次。只改这一次，还是以后各次也一起改？以后各次保持各自的日期，改用新的时间、时长和医生。已过去的预约保持不变。</translation>
    </message>
    <message>
        <source>Keep as it was</source>
        <translation>保持原样</translation>
    </message>
    <message>
        <source>Change a repeating appointment</source>
        <translation>更改系列预约</translation>
    </message>
    <message>
        <source>Now: {when}, {minutes} min, {doctor}</source>
        <translation>当前：{when}，{minutes} 分钟，{doctor}</translation>
    </message>
    <message>
        <source>Which appointments change?</source>
        <translation>更改哪些预约？</translation>
    </message>
    <message>
        <source>Start time</source>
        <translation>开始时间</translation>
    </message>
    <message>
        <source>Length</source>
        <translation>时长</translation>
    </message>
    <message>
        <source>minutes</source>
        <translation>分钟</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>医生</translation>
    </message>
    <message>
        <source>Weekdays</source>
        <translation>星期</translation>
    </message>
    <message>
        <source>Weekdays belong to the whole series: change the following ones or all.</source>
        <translation>星期属于整个系列：请选择更改以后各次或全部。</translation>
    </message>
    <message>
        <source>I have checked the patient&apos;s identity (real-name booking)</source>
        <translation>我已核对患者身份（实名预约）</translation>
    </message>
    <message>
        <source>Required: bookings are real-name, so a change is refused until you have checked the patient&apos;s identity document (or name and ID number on the phone).</source>
        <translation>必填：预约实行实名制，核对患者身份证件（或电话中核对姓名和证件号）之前不能更改。</translation>
    </message>
    <message>
        <source>A skipped date keeps its appointment as it is now; move it on its own if needed.</source>
        <translation>跳过的日期保留现有的预约不变；如有需要请单独改期。</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>更改</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Only this appointment changes, on its own day ({day}). To move it to another day, drag it in the calendar.</source>
        <translation>只更改这一次预约，日期不变（{day}）。要改到另一天，请在日历中拖动它。</translation>
    </message>
    <message>
        <source>From {day} on, the series continues with the new values; earlier appointments stay as they are.</source>
        <translation>从 {day} 起，系列按新的设置继续；之前的预约保持不变。</translation>
    </message>
    <message>
        <source>Every appointment of the series from today on changes; past appointments stay as they are.</source>
        <translation>系列中从今天起的每一次预约都会更改；已过去的预约保持不变。</translation>
    </message>
    <message>
        <source>Change it although it is outside working hours</source>
        <translation>在医生工作时间以外也照样更改</translation>
    </message>
    <message>
        <source>The patient has another appointment then: change anyway</source>
        <translation>患者那时另有预约：仍然更改</translation>
    </message>
    <message>
        <source>Change it although the time has passed</source>
        <translation>时间已过也照样更改</translation>
    </message>
    <message>
        <source>Change it although the clinic is closed that day</source>
        <translation>诊所当天休息也照样更改</translation>
    </message>
    <message>
        <source>Change it into the time held for members anyway</source>
        <translation>即使是会员预留号源也照样更改</translation>
    </message>
    <message>
        <source>Tick at least one weekday for the series.</source>
        <translation>请为系列至少勾选一个星期几。</translation>
    </message>
    <message>
        <source>Nothing to change: choose another time, length, doctor or weekdays.</source>
        <translation>没有要更改的内容：请选择新的时间、时长、医生或星期。</translation>
    </message>
    <message numerus="yes">
        <source>Skip these %n date(s) and change the rest</source>
        <translation>
            <numerusform>跳过这 %n 个日期，更改其余的</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SeriesText</name>
    <message>
        <source>every day</source>
        <translation>每天</translation>
    </message>
    <message>
        <source>every {n} days</source>
        <translation>每 {n} 天</translation>
    </message>
    <message>
        <source>every week on {days}</source>
        <translation>每周{days}</translation>
    </message>
    <message>
        <source>every {n} weeks on {days}</source>
        <translation>每 {n} 周的{days}</translation>
    </message>
    <message>
        <source>every month on day {day}</source>
        <translation>每月 {day} 日</translation>
    </message>
    <message>
        <source>every {n} months on day {day}</source>
        <translation>每 {n} 个月的 {day} 日</translation>
    </message>
    <message>
        <source>until {day}</source>
        <translation>到 {day} 为止</translation>
    </message>
    <message>
        <source>once</source>
        <translation>仅一次</translation>
    </message>
    <message>
        <source>{n} times in all</source>
        <translation>共 {n} 次</translation>
    </message>
    <message>
        <source>with no end date</source>
        <translation>不设结束日期</translation>
    </message>
    <message>
        <source>Part of a series: {rule} {end}</source>
        <translation>周期预约：{rule}，{end}</translation>
    </message>
    <message>
        <source>(the series has ended)</source>
        <translation>（该周期预约已结束）</translation>
    </message>
</context>
<context>
    <name>Settings</name>
    <message>
        <source>Clinic</source>
        <translation>诊所</translation>
    </message>
    <message>
        <source>Security</source>
        <translation>安全</translation>
    </message>
    <message>
        <source>Backup</source>
        <translation>备份</translation>
    </message>
    <message>
        <source>Appointments</source>
        <translation>预约</translation>
    </message>
    <message>
        <source>Patients</source>
        <translation>患者</translation>
    </message>
    <message>
        <source>Reception</source>
        <translation>前台</translation>
    </message>
    <message>
        <source>Follow-up</source>
        <translation>回访</translation>
    </message>
    <message>
        <source>Complaints</source>
        <translation>投诉</translation>
    </message>
    <message>
        <source>Quality</source>
        <translation>质量</translation>
    </message>
    <message>
        <source>Membership</source>
        <translation>会员</translation>
    </message>
    <message>
        <source>Printing</source>
        <translation>打印</translation>
    </message>
    <message>
        <source>Sync</source>
        <translation>同步</translation>
    </message>
    <message>
        <source>Messages</source>
        <translation>消息</translation>
    </message>
    <message>
        <source>uncle</source>
        <translation>大爷/大妈</translation>
    </message>
    <message>
        <source>grandparent</source>
        <translation>爷爷/奶奶</translation>
    </message>
    <message>
        <source>CN</source>
        <translation>中国内地</translation>
    </message>
    <message>
        <source>HK</source>
        <translation>香港</translation>
    </message>
    <message>
        <source>TW</source>
        <translation>台湾</translation>
    </message>
    <message>
        <source>none</source>
        <translation>不使用</translation>
    </message>
    <message>
        <source>masked</source>
        <translation>部分隐藏（张**女士）</translation>
    </message>
    <message>
        <source>honorific</source>
        <translation>姓氏加尊称（张女士）</translation>
    </message>
    <message>
        <source>later</source>
        <translation>顺延</translation>
    </message>
    <message>
        <source>earlier</source>
        <translation>提前</translation>
    </message>
    <message>
        <source>keep</source>
        <translation>不变</translation>
    </message>
    <message>
        <source>starttls</source>
        <translation>STARTTLS 加密</translation>
    </message>
    <message>
        <source>ssl</source>
        <translation>SSL 加密</translation>
    </message>
    <message>
        <source>daily</source>
        <translation>按剩余天数折算</translation>
    </message>
    <message>
        <source>monthly</source>
        <translation>按剩余整月折算</translation>
    </message>
    <message>
        <source>62mm</source>
        <translation>62mm 连续标签</translation>
    </message>
    <message>
        <source>4x6in</source>
        <translation>4×6 英寸热敏标签</translation>
    </message>
    <message>
        <source>A4</source>
        <translation>A4</translation>
    </message>
    <message>
        <source>A5</source>
        <translation>A5</translation>
    </message>
    <message>
        <source>A6</source>
        <translation>A6</translation>
    </message>
    <message>
        <source>label</source>
        <translation>标签纸</translation>
    </message>
    <message>
        <source>Clinic name</source>
        <translation>诊所名称</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Time zone</source>
        <translation>时区</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>First-visit information (location, parking, what to bring)</source>
        <translation>初诊须知（地址、停车、需携带的物品）</translation>
    </message>
    <message>
        <source>Default phone region</source>
        <translation>默认电话地区</translation>
    </message>
    <message>
        <source>Wrong passwords before an account locks</source>
        <translation>账号锁定前允许输错密码的次数</translation>
    </message>
    <message>
        <source>Lockout window and lock time (minutes)</source>
        <translation>输错计次时段及锁定时长（分钟）</translation>
    </message>
    <message>
        <source>Lock the screen after idle minutes</source>
        <translation>闲置多少分钟后锁屏</translation>
    </message>
    <message>
        <source>Make a backup every day</source>
        <translation>每天自动备份</translation>
    </message>
    <message>
        <source>Daily backups to keep</source>
        <translation>保留的每日备份份数</translation>
    </message>
    <message>
        <source>Backup folder (empty: &apos;backups&apos; in the data folder)</source>
        <translation>备份文件夹（留空：使用数据文件夹中的 backups）</translation>
    </message>
    <message>
        <source>Address as elderly (大爷/大妈) from age</source>
        <translation>年满多少岁起按长辈称呼（大爷/大妈）</translation>
    </message>
    <message>
        <source>Form for the elderly</source>
        <translation>长辈称呼方式</translation>
    </message>
    <message>
        <source>Address as a child (小朋友) below age</source>
        <translation>未满多少岁称呼为“小朋友”</translation>
    </message>
    <message>
        <source>Address by title (李老师, 赵科长)</source>
        <translation>按职务或职称称呼（李老师、赵科长）</translation>
    </message>
    <message>
        <source>Largest attachment (MB)</source>
        <translation>附件大小上限（MB）</translation>
    </message>
    <message>
        <source>Record number prefix (empty: the year)</source>
        <translation>病历号前缀（留空：使用年份）</translation>
    </message>
    <message>
        <source>Public holidays of</source>
        <translation>法定节假日依据</translation>
    </message>
    <message>
        <source>Calendar slot length (minutes)</source>
        <translation>预约时段长度（分钟）</translation>
    </message>
    <message>
        <source>Mark as no-show after (minutes late)</source>
        <translation>迟到多久记为爽约（分钟）</translation>
    </message>
    <message>
        <source>A cancellation is late within (hours)</source>
        <translation>就诊前多久内取消算临时取消（小时）</translation>
    </message>
    <message>
        <source>Open-ended series booked ahead (days)</source>
        <translation>无结束日期的周期预约提前排定（天）</translation>
    </message>
    <message>
        <source>Most appointments in one series</source>
        <translation>单个周期预约最多次数</translation>
    </message>
    <message>
        <source>Bookings for tomorrow close at</source>
        <translation>次日预约截止时间</translation>
    </message>
    <message>
        <source>Doctor absence must be known by (day before)</source>
        <translation>医生停诊最晚告知时间（前一天）</translation>
    </message>
    <message>
        <source>Next day&apos;s list to triage nurse by</source>
        <translation>次日名单交给导诊护士的时间</translation>
    </message>
    <message>
        <source>Reminder message, days before</source>
        <translation>短信提醒：提前天数</translation>
    </message>
    <message>
        <source>Reminder call, days before</source>
        <translation>电话提醒：提前天数</translation>
    </message>
    <message>
        <source>Respond to an arrival within (minutes)</source>
        <translation>患者到达后接待时限（分钟）</translation>
    </message>
    <message>
        <source>Waiting-time alert after (minutes)</source>
        <translation>候诊超时提醒（分钟）</translation>
    </message>
    <message>
        <source>Names on the waiting-room screen</source>
        <translation>候诊室屏幕上的姓名显示方式</translation>
    </message>
    <message>
        <source>Refuse to sync when the clock is off by (minutes)</source>
        <translation>时钟误差超过多久时拒绝同步（分钟）</translation>
    </message>
    <message>
        <source>Sync at least every (seconds)</source>
        <translation>至少每隔多久同步一次（秒）</translation>
    </message>
    <message>
        <source>A pairing code stays valid for (minutes)</source>
        <translation>配对码有效期（分钟）</translation>
    </message>
    <message>
        <source>A workstation unseen this long no longer holds the hub&apos;s log (days)</source>
        <translation>工作站超过多久未连接后不再为其保留同步服务器的修改记录（天）</translation>
    </message>
    <message>
        <source>A follow-up due on a closed day moves</source>
        <translation>回访截止日遇休息日时</translation>
    </message>
    <message>
        <source>No answer: try again after (hours)</source>
        <translation>无人接听：间隔多久后重拨（小时）</translation>
    </message>
    <message>
        <source>No answer: give up after this many tries</source>
        <translation>无人接听：尝试多少次后放弃</translation>
    </message>
    <message>
        <source>Call back no-shows of the last (days; 0: never)</source>
        <translation>回访最近几天内爽约的患者（天；0：不回访）</translation>
    </message>
    <message>
        <source>Complaints closed on time target (%)</source>
        <translation>投诉按时结案率目标（%）</translation>
    </message>
    <message>
        <source>No-show rate at most (%)</source>
        <translation>爽约率上限（%）</translation>
    </message>
    <message>
        <source>Average wait at most (minutes)</source>
        <translation>平均候诊时间上限（分钟）</translation>
    </message>
    <message>
        <source>90% of patients wait at most (minutes)</source>
        <translation>90% 患者候诊时间上限（分钟）</translation>
    </message>
    <message>
        <source>Follow-up rate target (%)</source>
        <translation>回访率目标（%）</translation>
    </message>
    <message>
        <source>Revisit booking rate target (%)</source>
        <translation>复诊预约率目标（%）</translation>
    </message>
    <message>
        <source>Booked visits target (% of visits)</source>
        <translation>预约就诊率目标（占就诊人次的百分比）</translation>
    </message>
    <message>
        <source>Prescriptions corrected at most (%)</source>
        <translation>处方更正率上限（%）</translation>
    </message>
    <message>
        <source>Weekly survey: call the patients or hand out forms</source>
        <translation>每周满意度调查方式：电话调查或发放问卷</translation>
    </message>
    <message>
        <source>Changing tier mid-term is priced</source>
        <translation>有效期内变更等级的计费方式</translation>
    </message>
    <message>
        <source>Renewal reminder before expiry (days)</source>
        <translation>续费提醒：到期前天数</translation>
    </message>
    <message>
        <source>Lapsed members listed for (days after expiry)</source>
        <translation>已过期会员保留在列表中的时长（到期后天数）</translation>
    </message>
    <message>
        <source>Slots per doctor and day held for members</source>
        <translation>每位医生每天的会员预留号源数</translation>
    </message>
    <message>
        <source>Held slots open to everyone (days before)</source>
        <translation>会员预留号源对所有人开放：提前天数</translation>
    </message>
    <message>
        <source>Annual health plan: check-in calls per year</source>
        <translation>年度健康计划：每年回访电话次数</translation>
    </message>
    <message>
        <source>Mail server (SMTP)</source>
        <translation>邮件服务器（SMTP）</translation>
    </message>
    <message>
        <source>Mail server port</source>
        <translation>邮件服务器端口</translation>
    </message>
    <message>
        <source>Mail server security</source>
        <translation>邮件服务器加密方式</translation>
    </message>
    <message>
        <source>Mail server user name</source>
        <translation>邮件服务器用户名</translation>
    </message>
    <message>
        <source>Mail server password</source>
        <translation>邮件服务器密码</translation>
    </message>
    <message>
        <source>Send e-mail as (address)</source>
        <translation>发件人地址</translation>
    </message>
    <message>
        <source>Give up on the mail server after (seconds)</source>
        <translation>邮件服务器超时时间（秒）</translation>
    </message>
    <message>
        <source>A message that could not go: try again after (minutes)</source>
        <translation>消息发送失败：间隔多久后重试（分钟）</translation>
    </message>
    <message>
        <source>A message that could not go: give up after tries</source>
        <translation>消息发送失败：重试多少次后放弃</translation>
    </message>
    <message>
        <source>Send messages from</source>
        <translation>消息发送开始时间</translation>
    </message>
    <message>
        <source>Send messages until</source>
        <translation>消息发送结束时间</translation>
    </message>
    <message>
        <source>Workstation that sends (empty: this one)</source>
        <translation>负责发送的工作站（留空：本机）</translation>
    </message>
    <message>
        <source>Everyone else: monthly random sample (%)</source>
        <translation>其他患者：每月随机抽样回访比例（%）</translation>
    </message>
    <message>
        <source>Accept a complaint within (hours)</source>
        <translation>受理投诉时限（小时）</translation>
    </message>
    <message>
        <source>Contact the complainant within (hours)</source>
        <translation>联系投诉人时限（小时）</translation>
    </message>
    <message>
        <source>Answer a simple issue within (business days)</source>
        <translation>简单问题答复时限（工作日）</translation>
    </message>
    <message>
        <source>Propose a solution within (hours)</source>
        <translation>提出解决方案时限（小时）</translation>
    </message>
    <message>
        <source>Close a complaint within (days)</source>
        <translation>投诉结案时限（天）</translation>
    </message>
    <message>
        <source>Rectification within (days)</source>
        <translation>整改时限（天）</translation>
    </message>
    <message>
        <source>Answer a complex dispute within (days)</source>
        <translation>复杂纠纷答复时限（天）</translation>
    </message>
    <message>
        <source>Day deadlines skip public holidays</source>
        <translation>按天计算的时限不含法定节假日</translation>
    </message>
    <message>
        <source>Weekly survey sample (% of patients)</source>
        <translation>每周满意度调查抽样（占患者的百分比）</translation>
    </message>
    <message>
        <source>Semi-annual outpatient survey (% of a day)</source>
        <translation>半年度门诊满意度调查（占单日患者的百分比）</translation>
    </message>
    <message>
        <source>Semi-annual inpatient survey (% of a day)</source>
        <translation>半年度住院满意度调查（占单日患者的百分比）</translation>
    </message>
    <message>
        <source>Satisfaction target (%)</source>
        <translation>满意度目标（%）</translation>
    </message>
    <message>
        <source>Complaint closure target (%)</source>
        <translation>投诉结案率目标（%）</translation>
    </message>
    <message>
        <source>Root-cause analysis within (hours)</source>
        <translation>根本原因分析时限（小时）</translation>
    </message>
    <message>
        <source>Label printer stock</source>
        <translation>标签打印机纸张规格</translation>
    </message>
    <message>
        <source>Medication card size</source>
        <translation>用药提醒卡尺寸</translation>
    </message>
    <message>
        <source>Large-print medication card size</source>
        <translation>大字版用药提醒卡尺寸</translation>
    </message>
    <message>
        <source>Large-print card (大字版) from age</source>
        <translation>年满多少岁起打印大字版用药提醒卡</translation>
    </message>
    <message>
        <source>Appointment slip and contact card size</source>
        <translation>预约单和连心卡尺寸</translation>
    </message>
    <message>
        <source>Extra margin for a printer that clips (mm)</source>
        <translation>打印机打印不全时额外增加的边距（毫米）</translation>
    </message>
    <message>
        <source>Opening hours (empty: from the doctors&apos; rosters)</source>
        <translation>门诊时间（留空：按医生排班生成）</translation>
    </message>
    <message>
        <source>What to bring, on appointment slips</source>
        <translation>预约单上提示需携带的物品</translation>
    </message>
    <message>
        <source>QR code on cards (empty: the clinic&apos;s contact)</source>
        <translation>卡片上的二维码（留空：使用诊所联系方式）</translation>
    </message>
</context>
<context>
    <name>SettingsPage</name>
    <message>
        <source>Clinic settings</source>
        <translation>诊所设置</translation>
    </message>
    <message>
        <source>Staff</source>
        <translation>员工</translation>
    </message>
    <message>
        <source>Rosters</source>
        <translation>排班</translation>
    </message>
    <message>
        <source>Follow-up plans</source>
        <translation>回访方案</translation>
    </message>
    <message>
        <source>Message templates</source>
        <translation>消息模板</translation>
    </message>
    <message>
        <source>Security and backup</source>
        <translation>安全与备份</translation>
    </message>
    <message>
        <source>Sync</source>
        <translation>同步</translation>
    </message>
</context>
<context>
    <name>SetupWizard</name>
    <message>
        <source>Set up ClinicDesk</source>
        <translation>设置 ClinicDesk</translation>
    </message>
    <message>
        <source>&lt; Back</source>
        <translation>&lt; 上一步</translation>
    </message>
    <message>
        <source>Next &gt;</source>
        <translation>下一步 &gt;</translation>
    </message>
    <message>
        <source>Finish</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Close without the recovery kit?</source>
        <translation>不保存恢复密钥单就关闭吗？</translation>
    </message>
    <message>
        <source>The clinic has been created, but its recovery key is shown only on this page. Close without printing or saving the recovery kit?</source>
        <translation>诊所已创建，但恢复密钥只在此页面显示。确定不打印也不保存恢复密钥单就关闭吗？</translation>
    </message>
</context>
<context>
    <name>SignInWidget</name>
    <message>
        <source>User name</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>登录</translation>
    </message>
    <message>
        <source>e.g. wang.li</source>
        <translation>例如 wang.li</translation>
    </message>
    <message>
        <source>The screen was locked. Sign in to continue; patient data stays hidden until then.</source>
        <translation>屏幕已锁定。请登录以继续；登录前患者数据将保持隐藏。</translation>
    </message>
    <message>
        <source>Sign in with your own account.</source>
        <translation>请使用您自己的账号登录。</translation>
    </message>
    <message>
        <source>Type your user name.</source>
        <translation>请输入用户名。</translation>
    </message>
    <message>
        <source>Type your password.</source>
        <translation>请输入密码。</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>正在验证…</translation>
    </message>
</context>
<context>
    <name>SpotChecksPanel</name>
    <message>
        <source>Only calls not checked yet</source>
        <translation>仅显示未抽查的回访</translation>
    </message>
    <message>
        <source>Evaluation</source>
        <translation>评价</translation>
    </message>
    <message>
        <source>What was good or should change (optional)</source>
        <translation>做得好的地方或需改进之处（选填）</translation>
    </message>
    <message>
        <source>Save the check</source>
        <translation>保存抽查</translation>
    </message>
    <message>
        <source>Print the call record…</source>
        <translation>打印回访记录…</translation>
    </message>
    <message>
        <source>Your own calls are checked by someone else.</source>
        <translation>您本人的回访由其他人抽查。</translation>
    </message>
    <message>
        <source>When</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>患者</translation>
    </message>
    <message>
        <source>Caller</source>
        <translation>回访人</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>科室</translation>
    </message>
    <message>
        <source>Satisfaction</source>
        <translation>满意度</translation>
    </message>
    <message>
        <source>Checked</source>
        <translation>抽查</translation>
    </message>
    <message>
        <source>{rating} · {who} · {day}</source>
        <translation>{rating} · {who} · {day}</translation>
    </message>
    <message>
        <source>No calls in this period.</source>
        <translation>本期间内没有回访记录。</translation>
    </message>
    <message>
        <source>Recovery</source>
        <translation>恢复情况</translation>
    </message>
    <message>
        <source>Medication</source>
        <translation>用药情况</translation>
    </message>
    <message>
        <source>Did levels 1 and 2 happen?</source>
        <translation>一、二级回访是否已完成？</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>No</source>
        <translation>否</translation>
    </message>
    <message>
        <source>Anything else the patient said</source>
        <translation>患者的其他反馈</translation>
    </message>
    <message>
        <source>Suggestions</source>
        <translation>意见建议</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Forwarded</source>
        <translation>已抄告</translation>
    </message>
    <message>
        <source>to the department (抄告)</source>
        <translation>抄告相关科室</translation>
    </message>
    <message>
        <source>Complaint</source>
        <translation>投诉</translation>
    </message>
    <message>
        <source>opened from this call</source>
        <translation>由本次回访发起</translation>
    </message>
    <message>
        <source>Choose the evaluation: good, acceptable or poor.</source>
        <translation>请选择评价：好、一般或差。</translation>
    </message>
    <message>
        <source>Check saved.</source>
        <translation>抽查已保存。</translation>
    </message>
</context>
<context>
    <name>StaffDialog</name>
    <message>
        <source>Add a staff member</source>
        <translation>添加员工</translation>
    </message>
    <message>
        <source>The user name is what they type to sign in (letters a-z, digits and . _ - @). Give them the temporary password in person: they must choose their own at the first sign-in.</source>
        <translation>用户名是员工登录时输入的名称（字母 a-z、数字以及 . _ - @）。请当面告知临时密码：对方首次登录时必须设置自己的密码。</translation>
    </message>
    <message>
        <source>Edit a staff member</source>
        <translation>编辑员工</translation>
    </message>
    <message>
        <source>A user name cannot be changed. To rename a sign-in, add a new account and disable this one.</source>
        <translation>用户名无法更改。如需更换登录名，请添加一个新账号，并停用此账号。</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>e.g. 张丽</source>
        <translation>例如 张丽</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>e.g. zhang.li</source>
        <translation>例如 zhang.li</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Temporary password</source>
        <translation>临时密码</translation>
    </message>
    <message>
        <source>Temporary password again</source>
        <translation>再次输入临时密码</translation>
    </message>
    <message>
        <source>The two passwords are not the same.</source>
        <translation>两次输入的密码不一致。</translation>
    </message>
</context>
<context>
    <name>StaffTab</name>
    <message>
        <source>Everyone who signs in to ClinicDesk. Disable the account of someone who leaves; their name stays in the records they wrote.</source>
        <translation>所有登录 ClinicDesk 的人员。有人离职时请停用其账号；其姓名仍会保留在其填写的记录中。</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>添加…</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>编辑…</translation>
    </message>
    <message>
        <source>Reset password…</source>
        <translation>重置密码…</translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation>解锁</translation>
    </message>
    <message>
        <source>Let a locked account sign in again before the lock ends</source>
        <translation>让被锁定的账号在锁定结束前重新登录</translation>
    </message>
    <message>
        <source>Enable</source>
        <translation>启用</translation>
    </message>
    <message>
        <source>Let this person sign in again</source>
        <translation>允许此人重新登录</translation>
    </message>
    <message>
        <source>Disable</source>
        <translation>停用</translation>
    </message>
    <message>
        <source>Stop this person signing in; their records stay</source>
        <translation>禁止此人登录；其记录将保留</translation>
    </message>
    <message>
        <source>{name} has a temporary password now.</source>
        <translation>{name} 现在使用临时密码。</translation>
    </message>
    <message>
        <source>{name} can sign in again.</source>
        <translation>{name} 现在可以重新登录。</translation>
    </message>
    <message>
        <source>{name}&apos;s account is disabled.</source>
        <translation>{name} 的账号已停用。</translation>
    </message>
    <message>
        <source>{name}&apos;s account is enabled again.</source>
        <translation>{name} 的账号已重新启用。</translation>
    </message>
</context>
<context>
    <name>StaffTableModel</name>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Disabled</source>
        <translation>已停用</translation>
    </message>
    <message>
        <source>Locked until {time}</source>
        <translation>锁定至 {time}</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>正常</translation>
    </message>
    <message>
        <source>Must choose a new password at the next sign-in.</source>
        <translation>下次登录时必须设置新密码。</translation>
    </message>
</context>
<context>
    <name>SuggestionBoxDialog</name>
    <message>
        <source>Suggestion box</source>
        <translation>意见箱</translation>
    </message>
    <message>
        <source>Enter every note found in the box, one per row, then save them all at once. Name and contact only if the writer gave them; empty rows are skipped. Each note becomes a complaint you own, received on the day the box was opened.</source>
        <translation>把箱中的每张意见条逐行录入，然后一次全部保存。姓名和联系方式仅在写信人留下时填写；空行会被跳过。每条意见成为一件由您负责的投诉，收到日期为开箱当天。</translation>
    </message>
    <message>
        <source>&amp;Opened on</source>
        <translation>开箱日期(&amp;O)</translation>
    </message>
    <message>
        <source>What the note says</source>
        <translation>意见内容</translation>
    </message>
    <message>
        <source>Name (if given)</source>
        <translation>姓名（如有）</translation>
    </message>
    <message>
        <source>Contact (if given)</source>
        <translation>联系方式（如有）</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>科室</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>严重程度</translation>
    </message>
    <message>
        <source>Add a row</source>
        <translation>添加一行</translation>
    </message>
    <message>
        <source>Remove the row</source>
        <translation>删除此行</translation>
    </message>
    <message>
        <source>Save all</source>
        <translation>全部保存</translation>
    </message>
    <message>
        <source>At most {n} notes at a time: save these, then open the box again.</source>
        <translation>每次最多 {n} 条：请先保存这些，再继续录入。</translation>
    </message>
    <message>
        <source>Write at least one note, then save.</source>
        <translation>请至少填写一条意见，然后保存。</translation>
    </message>
</context>
<context>
    <name>Survey</name>
    <message>
        <source>Score from 1 to 5</source>
        <translation>评分（1-5 分）</translation>
    </message>
    <message>
        <source>Open question</source>
        <translation>开放式问题</translation>
    </message>
    <message>
        <source>Weekly sample</source>
        <translation>每周抽样</translation>
    </message>
    <message>
        <source>Semi-annual outpatient survey</source>
        <translation>半年度门诊满意度调查</translation>
    </message>
    <message>
        <source>Semi-annual inpatient survey</source>
        <translation>半年度住院满意度调查</translation>
    </message>
    <message>
        <source>Call the patient</source>
        <translation>电话调查</translation>
    </message>
    <message>
        <source>Printed form</source>
        <translation>纸质问卷</translation>
    </message>
    <message>
        <source>Drawn</source>
        <translation>已抽中</translation>
    </message>
    <message>
        <source>Answered</source>
        <translation>已作答</translation>
    </message>
    <message>
        <source>Declined</source>
        <translation>患者拒绝</translation>
    </message>
    <message>
        <source>Not reached</source>
        <translation>未联系上</translation>
    </message>
    <message>
        <source>Satisfaction survey</source>
        <translation>满意度调查</translation>
    </message>
    <message>
        <source>Weekly satisfaction survey</source>
        <translation>每周满意度调查</translation>
    </message>
</context>
<context>
    <name>Surveys</name>
    <message>
        <source>1 = very dissatisfied … 5 = very satisfied; 0 clears</source>
        <translation>1 = 很不满意 … 5 = 很满意；按 0 清除</translation>
    </message>
</context>
<context>
    <name>SurveysPanel</name>
    <message>
        <source>Weekly sample</source>
        <translation>每周抽样</translation>
    </message>
    <message>
        <source>Results</source>
        <translation>调查结果</translation>
    </message>
    <message>
        <source>Week of</source>
        <translation>周起始日</translation>
    </message>
    <message>
        <source>The week before</source>
        <translation>上一周</translation>
    </message>
    <message>
        <source>The week after</source>
        <translation>下一周</translation>
    </message>
    <message>
        <source>Ask by</source>
        <translation>调查方式</translation>
    </message>
    <message>
        <source>Draw this week&apos;s sample</source>
        <translation>抽取本周样本</translation>
    </message>
    <message>
        <source>Draws the week&apos;s share of patients seen (Settings, Quality). Drawing again keeps those already drawn; every workstation draws the same patients.</source>
        <translation>按比例抽取本周就诊患者（设置 › 质量）。再次抽取会保留已抽中的患者；每台电脑抽到的患者相同。</translation>
    </message>
    <message>
        <source>Print forms…</source>
        <translation>打印问卷…</translation>
    </message>
    <message>
        <source>Enter a returned form…</source>
        <translation>录入回收问卷…</translation>
    </message>
    <message>
        <source>Questionnaires…</source>
        <translation>问卷管理…</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>患者</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>医生</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>科室</translation>
    </message>
    <message>
        <source>Visit</source>
        <translation>就诊日</translation>
    </message>
    <message>
        <source>Asked by</source>
        <translation>调查方式</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>编号</translation>
    </message>
    <message>
        <source>By</source>
        <translation>分组</translation>
    </message>
    <message>
        <source>Question</source>
        <translation>题目</translation>
    </message>
    <message>
        <source>Responses</source>
        <translation>答卷数</translation>
    </message>
    <message>
        <source>Answers</source>
        <translation>评分数</translation>
    </message>
    <message>
        <source>Mean (1-5)</source>
        <translation>平均分（1-5）</translation>
    </message>
    <message>
        <source>Satisfied (4-5)</source>
        <translation>满意（4-5 分）</translation>
    </message>
    <message>
        <source>Satisfied %</source>
        <translation>满意率</translation>
    </message>
    <message>
        <source>{first} to {last}</source>
        <translation>{first} 至 {last}</translation>
    </message>
    <message>
        <source>No patients were seen that week: nobody to ask.</source>
        <translation>该周没有就诊患者，无需调查。</translation>
    </message>
    <message>
        <source>Drew {n} of {seen} patients seen ({percent} %).</source>
        <translation>已从 {seen} 位就诊患者中抽取 {n} 位（{percent}%）。</translation>
    </message>
    <message>
        <source>Not drawn yet for this week.</source>
        <translation>本周尚未抽样。</translation>
    </message>
    <message>
        <source>Patients seen: {seen}. Drawn: {n} ({percent} %), asked by {mode}. Answered so far: {answered}.</source>
        <translation>就诊患者 {seen} 位，抽取 {n} 位（{percent}%），调查方式：{mode}。已答 {answered} 位。</translation>
    </message>
    <message>
        <source>One form per patient drawn for a printed form, with its code</source>
        <translation>为每位抽中的纸质问卷患者打印一份，附编号</translation>
    </message>
    <message>
        <source>A blank form (no patient drawn for a printed form this week)</source>
        <translation>空白问卷（本周没有抽中纸质问卷的患者）</translation>
    </message>
    <message>
        <source>Satisfaction survey forms</source>
        <translation>满意度调查问卷</translation>
    </message>
    <message>
        <source>The form&apos;s answers are saved.</source>
        <translation>问卷答案已保存。</translation>
    </message>
    <message>
        <source>(not recorded)</source>
        <translation>（未记录）</translation>
    </message>
    <message>
        <source>No survey answers in this period.</source>
        <translation>本期没有调查答卷。</translation>
    </message>
</context>
<context>
    <name>SyncStatusLabel</name>
    <message>
        <source>an unexpected problem. The details are in the log file; please tell the person who looks after the clinic&apos;s computers.</source>
        <extracomment>every topic a screen may redraw on (not the audit log or backups: they never sync) the clinical record: each of these rows belongs to a patient&apos;s file a new ``SyncStatus`` (GUI thread) the loop started (True) or stopped (False)</extracomment>
        <translation>出现意外问题。详细信息已记录在日志文件中；请告知负责诊所电脑维护的人员。</translation>
    </message>
    <message numerus="yes">
        <source>Offline since {time} — %n changes kept here</source>
        <translation>
            <numerusform>自 {time} 起离线 — %n 项修改暂存在本机</numerusform>
        </translation>
    </message>
    <message>
        <source>Sync stopped: {reason}</source>
        <translation>同步已停止：{reason}</translation>
    </message>
    <message numerus="yes">
        <source>Sending %n changes…</source>
        <translation>
            <numerusform>正在发送 %n 项修改…</numerusform>
        </translation>
    </message>
    <message>
        <source>Synced</source>
        <translation>已同步</translation>
    </message>
    <message>
        <source>Syncing…</source>
        <translation>正在同步…</translation>
    </message>
    <message>
        <source>Last synced at {time}.</source>
        <translation>上次同步时间：{time}。</translation>
    </message>
    <message>
        <source>Not synced yet since ClinicDesk started.</source>
        <translation>自 ClinicDesk 启动以来尚未同步。</translation>
    </message>
    <message>
        <source>Click (or press F9) to sync now.</source>
        <translation>点击（或按 F9）立即同步。</translation>
    </message>
</context>
<context>
    <name>SyncTab</name>
    <message>
        <source>Sync between workstations</source>
        <translation>工作站之间的同步</translation>
    </message>
    <message>
        <source>With sync, several computers of the clinic share its data. Each keeps its own encrypted copy and keeps working when the network is down; changes go through a hub, a PostgreSQL database on the clinic&apos;s server or in the cloud, which only ever holds them encrypted. Ask whoever looks after the clinic&apos;s network for the hub&apos;s address.</source>
        <translation>启用同步后，诊所的多台电脑可以共享诊所数据。每台电脑都保存一份自己的加密副本，网络中断时也能继续工作；修改通过同步服务器传递，同步服务器是一个位于诊所服务器或云端的 PostgreSQL 数据库，其中保存的始终是加密后的数据。同步服务器地址请向负责诊所网络的人员索取。</translation>
    </message>
    <message>
        <source>Hub address</source>
        <translation>同步服务器地址</translation>
    </message>
    <message>
        <source>This workstation&apos;s name</source>
        <translation>本工作站名称</translation>
    </message>
    <message>
        <source>e.g. Front desk</source>
        <translation>例如 前台</translation>
    </message>
    <message>
        <source>Make this the clinic&apos;s first workstation</source>
        <translation>将本机设为诊所的第一台工作站</translation>
    </message>
    <message>
        <source>To add another computer later, create a pairing code here once sync is on. A computer that already has its own clinic data cannot join; the new computer joins during ClinicDesk&apos;s first-run setup.</source>
        <translation>以后如需添加其他电脑，请在启用同步后在此生成配对码。已有自己诊所数据的电脑无法加入；新电脑在 ClinicDesk 首次运行的设置向导中加入。</translation>
    </message>
    <message>
        <source>This workstation syncs</source>
        <translation>本工作站已启用同步</translation>
    </message>
    <message>
        <source>Hub</source>
        <translation>同步服务器</translation>
    </message>
    <message>
        <source>This workstation</source>
        <translation>本工作站</translation>
    </message>
    <message>
        <source>Changes not sent yet</source>
        <translation>尚未发送的修改</translation>
    </message>
    <message>
        <source>Last sync</source>
        <translation>上次同步</translation>
    </message>
    <message>
        <source>Add a workstation…</source>
        <translation>添加工作站…</translation>
    </message>
    <message>
        <source>Trim the hub&apos;s log…</source>
        <translation>精简同步服务器的修改记录…</translation>
    </message>
    <message>
        <source>Send a snapshot of this copy so the hub can drop the changes every workstation already has. New workstations then start from the snapshot.</source>
        <translation>将本机副本的快照发送到同步服务器，以便同步服务器删除所有工作站都已收到的修改。之后新加入的工作站将从该快照开始。</translation>
    </message>
    <message>
        <source>Full resync…</source>
        <translation>完整重新同步…</translation>
    </message>
    <message>
        <source>Replace this computer&apos;s copy with the hub&apos;s, after it was away longer than the hub keeps its log.</source>
        <translation>当本机离线时间超过同步服务器保留修改记录的期限后，用同步服务器上的副本替换本机副本。</translation>
    </message>
    <message>
        <source>Workstations</source>
        <translation>工作站</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Enrolled</source>
        <translation>加入时间</translation>
    </message>
    <message>
        <source>Last seen by the hub</source>
        <translation>最后连接同步服务器</translation>
    </message>
    <message>
        <source>Changes sent</source>
        <translation>已发送修改</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Remove…</source>
        <translation>移除…</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>not yet</source>
        <translation>尚未同步</translation>
    </message>
    <message>
        <source>Conflicts… ({n} open)</source>
        <translation>同步冲突…（{n} 项待处理）</translation>
    </message>
    <message>
        <source>Conflicts…</source>
        <translation>同步冲突…</translation>
    </message>
    <message>
        <source>This computer</source>
        <translation>本机</translation>
    </message>
    <message>
        <source>Removed {time}</source>
        <translation>已于 {time} 移除</translation>
    </message>
    <message>
        <source>never</source>
        <translation>从未连接</translation>
    </message>
    <message>
        <source>The list could not be read from the hub: {reason}</source>
        <translation>无法从同步服务器读取列表：{reason}</translation>
    </message>
    <message>
        <source>Reading the list from the hub…</source>
        <translation>正在从同步服务器读取列表…</translation>
    </message>
    <message>
        <source>Connecting to the hub…</source>
        <translation>正在连接同步服务器…</translation>
    </message>
    <message>
        <source>Turning sync on</source>
        <translation>正在开启同步</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Cancelling… (undoing what was prepared)</source>
        <translation>正在取消……（撤销已准备的内容）</translation>
    </message>
    <message>
        <source>Preparing the clinic&apos;s data for the hub… {percent}%</source>
        <translation>正在为同步服务器准备诊所数据……{percent}%</translation>
    </message>
    <message>
        <source>Done.</source>
        <translation>完成。</translation>
    </message>
    <message>
        <source>Turning sync on was cancelled. Nothing was changed on this workstation.</source>
        <translation>已取消开启同步，这台工作站没有任何更改。</translation>
    </message>
    <message>
        <source>This is now the clinic&apos;s first workstation. Its data is being sent to the hub; add the other computers with “Add a workstation…”.</source>
        <translation>本机现已成为诊所的第一台工作站，其数据正在发送到同步服务器；请通过“添加工作站…”添加其他电脑。</translation>
    </message>
    <message>
        <source>Remove a workstation</source>
        <translation>移除工作站</translation>
    </message>
    <message>
        <source>Remove “{name}” from the clinic&apos;s sync? The hub will refuse its changes from now on; what it has not sent yet stays on that computer only. To use it again, set it up anew with a pairing code.</source>
        <translation>要将“{name}”移出诊所同步吗？从现在起，同步服务器将拒绝接收它的修改；它尚未发送的内容只会保留在那台电脑上。如需再次使用，请用配对码重新设置。</translation>
    </message>
    <message>
        <source>Removing the workstation…</source>
        <translation>正在移除工作站…</translation>
    </message>
    <message>
        <source>The workstation was removed.</source>
        <translation>工作站已移除。</translation>
    </message>
    <message>
        <source>Trim the hub&apos;s log</source>
        <translation>精简同步服务器的修改记录</translation>
    </message>
    <message>
        <source>Send a snapshot of this computer&apos;s copy to the hub? The hub then keeps only the changes some active workstation has not received yet. A workstation switched off for more than {days} days will need a full resync when it comes back.</source>
        <translation>要将本机副本的快照发送到同步服务器吗？之后同步服务器只保留仍有活跃工作站尚未收到的修改。关机超过 {days} 天的工作站重新上线时，需要进行完整重新同步。</translation>
    </message>
    <message>
        <source>Sending the snapshot…</source>
        <translation>正在发送快照…</translation>
    </message>
    <message>
        <source>Snapshot sent ({rows} rows); the hub trimmed its log.</source>
        <translation>快照已发送（{rows} 行）；同步服务器已精简其修改记录。</translation>
    </message>
    <message>
        <source>Full resync</source>
        <translation>完整重新同步</translation>
    </message>
    <message>
        <source>Replace this computer&apos;s copy of the clinic with the hub&apos;s? Changes made here that were not sent yet are sent first. This takes a while for a large clinic; keep ClinicDesk open until it says it is done.</source>
        <translation>要用同步服务器上的副本替换本机的诊所副本吗？本机尚未发送的修改会先发送出去。诊所数据较多时需要一段时间；请保持 ClinicDesk 打开，直到提示完成。</translation>
    </message>
    <message>
        <source>Resyncing from the hub…</source>
        <translation>正在从同步服务器重新同步…</translation>
    </message>
    <message>
        <source>This copy is up to date with the hub again.</source>
        <translation>本机副本已与同步服务器重新保持一致。</translation>
    </message>
</context>
<context>
    <name>TierDialog</name>
    <message>
        <source>New membership tier</source>
        <translation>新建会员等级</translation>
    </message>
    <message>
        <source>Edit tier {name}</source>
        <translation>编辑等级 {name}</translation>
    </message>
    <message>
        <source>A tier&apos;s name in the three languages, its price and period, how many people it covers and its benefits: included, or an allowance counted per period.</source>
        <translation>等级的三种语言名称、价格与周期、涵盖人数及权益：权益可为“包含”，或按周期计次的额度。</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>代码</translation>
    </message>
    <message>
        <source>Short, unique: basic, family…</source>
        <translation>简短且唯一：basic、family…</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>说明</translation>
    </message>
    <message>
        <source>Price</source>
        <translation>价格</translation>
    </message>
    <message>
        <source>for</source>
        <translation>每</translation>
    </message>
    <message>
        <source>People, payer included</source>
        <translation>人数（含付款人）</translation>
    </message>
    <message>
        <source>Colour</source>
        <translation>颜色</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <source>Benefits</source>
        <translation>权益</translation>
    </message>
    <message>
        <source>Add a benefit of your own</source>
        <translation>添加自定义权益</translation>
    </message>
    <message>
        <source>Changing the price does not change what existing members paid; it applies to enrolments and renewals from now on.</source>
        <translation>修改价格不影响现有会员已付的费用，仅适用于此后的办理和续费。</translation>
    </message>
    <message>
        <source>Sample</source>
        <translation>示例</translation>
    </message>
    <message>
        <source>No colour</source>
        <translation>未设置颜色</translation>
    </message>
    <message>
        <source>Not a colour</source>
        <translation>不是有效的颜色</translation>
    </message>
    <message>
        <source>Tier colour</source>
        <translation>等级颜色</translation>
    </message>
</context>
<context>
    <name>TiersPanel</name>
    <message>
        <source>The tiers the desk can sell, in the order shown to them. A tier in use cannot be deleted: retire it, and its members keep it until they renew or change.</source>
        <translation>前台可办理的会员等级，按此顺序向前台显示。已在使用的等级不能删除：请将其停用，现有会员可继续保留该等级，直至续费或变更等级。</translation>
    </message>
    <message>
        <source>New tier…</source>
        <translation>新建等级…</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>编辑…</translation>
    </message>
    <message>
        <source>Move up</source>
        <translation>上移</translation>
    </message>
    <message>
        <source>Move down</source>
        <translation>下移</translation>
    </message>
    <message>
        <source>Retire</source>
        <translation>停用</translation>
    </message>
    <message>
        <source>Offer again</source>
        <translation>重新启用</translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
    <message>
        <source>Tier</source>
        <translation>等级</translation>
    </message>
    <message>
        <source>Price</source>
        <translation>价格</translation>
    </message>
    <message>
        <source>Period</source>
        <translation>周期</translation>
    </message>
    <message>
        <source>People</source>
        <translation>人数</translation>
    </message>
    <message>
        <source>Benefits</source>
        <translation>权益</translation>
    </message>
    <message>
        <source>In use</source>
        <translation>使用中</translation>
    </message>
    <message>
        <source>Offered</source>
        <translation>可办理</translation>
    </message>
    <message>
        <source>Retired</source>
        <translation>已停用</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message numerus="yes">
        <source>In use by %n membership(s): retire it instead.</source>
        <translation>
            <numerusform>有 %n 个会员正在使用此等级：请改为停用。</numerusform>
        </translation>
    </message>
    <message>
        <source>Delete tier</source>
        <translation>删除等级</translation>
    </message>
    <message>
        <source>Delete the tier {name}? This cannot be undone.</source>
        <translation>要删除等级 {name} 吗？此操作无法撤销。</translation>
    </message>
    <message>
        <source>Tier saved.</source>
        <translation>等级已保存。</translation>
    </message>
</context>
<context>
    <name>TrainingPanel</name>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>科室</translation>
    </message>
    <message>
        <source>Added</source>
        <translation>添加日期</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <source>No cases yet. A complaint&apos;s owner adds one from the complaint, once it has been answered.</source>
        <translation>还没有案例。投诉答复后，负责人可从投诉中添加案例。</translation>
    </message>
    <message numerus="yes">
        <source>%n case(s)</source>
        <translation>
            <numerusform>%n 个案例</numerusform>
        </translation>
    </message>
    <message>
        <source>Added {day} by {name}</source>
        <translation>{name} 于 {day} 添加</translation>
    </message>
</context>
<context>
    <name>TypesPanel</name>
    <message>
        <source>What patients come for. The usual length is offered when booking; the rooms and devices a type needs are booked with it.</source>
        <translation>患者前来就诊的项目。预约时会默认填入常用时长；该类型所需的诊室和设备会随预约一并占用。</translation>
    </message>
    <message>
        <source>Also show types no longer offered</source>
        <translation>同时显示已停止提供的类型</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Usual length</source>
        <translation>常用时长</translation>
    </message>
    <message>
        <source>Colour</source>
        <translation>颜色</translation>
    </message>
    <message>
        <source>Needs</source>
        <translation>所需诊室和设备</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>添加…</translation>
    </message>
    <message>
        <source>Change…</source>
        <translation>修改…</translation>
    </message>
    <message>
        <source>{n} min</source>
        <translation>{n} 分钟</translation>
    </message>
    <message>
        <source>Offered</source>
        <translation>提供中</translation>
    </message>
    <message>
        <source>No longer offered</source>
        <translation>已停止提供</translation>
    </message>
    <message>
        <source>Offer again</source>
        <translation>重新提供</translation>
    </message>
    <message>
        <source>No longer offer</source>
        <translation>停止提供</translation>
    </message>
    <message>
        <source>Added.</source>
        <translation>已添加。</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>已保存。</translation>
    </message>
    <message>
        <source>{name} is no longer offered for new bookings.</source>
        <translation>新预约将不再提供“{name}”。</translation>
    </message>
    <message>
        <source>{name} is offered again.</source>
        <translation>已重新提供“{name}”。</translation>
    </message>
</context>
<context>
    <name>UndoUseDialog</name>
    <message>
        <source>Undo a benefit use</source>
        <translation>撤销权益使用</translation>
    </message>
    <message>
        <source>The use is given back by a line of -1; the original stays in the ledger.</source>
        <translation>系统会添加一条 -1 的记录退回这次使用，原记录仍保留在明细中。</translation>
    </message>
    <message>
        <source>Use</source>
        <translation>使用记录</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>There is no use to undo.</source>
        <translation>没有可撤销的使用记录。</translation>
    </message>
</context>
<context>
    <name>UnlockDialog</name>
    <message>
        <source>Open the clinic</source>
        <translation>打开诊所</translation>
    </message>
    <message>
        <source>This computer has no saved key for the clinic&apos;s data. Type the clinic passphrase, or the recovery key from the printed recovery kit.</source>
        <translation>本机没有保存诊所数据的密钥。请输入诊所口令，或打印的恢复密钥单上的恢复密钥。</translation>
    </message>
    <message>
        <source>Clinic passphrase</source>
        <translation>诊所口令</translation>
    </message>
    <message>
        <source>Recovery key</source>
        <translation>恢复密钥</translation>
    </message>
    <message>
        <source>Type the passphrase or recovery key first.</source>
        <translation>请先输入口令或恢复密钥。</translation>
    </message>
</context>
<context>
    <name>UseDialog</name>
    <message>
        <source>Record a benefit use on {card}</source>
        <translation>登记会员卡 {card} 的权益使用</translation>
    </message>
    <message>
        <source>Each use is one line in the ledger, so two desks offline cannot lose one. Home visits booked in the calendar are counted there.</source>
        <translation>每次使用单独记一条，因此即使两台工作站离线也不会漏记。在日历中预约的上门服务由日历自动计次。</translation>
    </message>
    <message>
        <source>Benefit</source>
        <translation>权益</translation>
    </message>
    <message>
        <source>For</source>
        <translation>使用人</translation>
    </message>
    <message>
        <source>Day</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Reason to allow</source>
        <translation>特批原因</translation>
    </message>
    <message>
        <source>Why one more is allowed (at least 4 characters)</source>
        <translation>为何允许多用一次（至少 4 个字）</translation>
    </message>
    <message>
        <source>Recorded with your name and kept in the audit log.</source>
        <translation>将连同您的姓名记入审计日志。</translation>
    </message>
    <message>
        <source>Allow with a reason…</source>
        <translation>填写原因特批…</translation>
    </message>
    <message>
        <source>Included; no allowance is counted.</source>
        <translation>已包含在内，不计入额度。</translation>
    </message>
    <message>
        <source>Allow one more</source>
        <translation>特批多用一次</translation>
    </message>
    <message>
        <source>This tier has no benefit to record.</source>
        <translation>此等级没有可登记的权益。</translation>
    </message>
</context>
<context>
    <name>VisitCategory</name>
    <message>
        <source>Cold or flu</source>
        <translation>感冒/流感</translation>
    </message>
    <message>
        <source>Physical examination</source>
        <translation>体检</translation>
    </message>
    <message>
        <source>Physical examination with findings</source>
        <translation>体检有异常</translation>
    </message>
    <message>
        <source>Chronic condition</source>
        <translation>慢性病</translation>
    </message>
    <message>
        <source>Chronic condition, discharged</source>
        <translation>慢性病，已出院</translation>
    </message>
    <message>
        <source>After an operation</source>
        <translation>术后</translation>
    </message>
    <message>
        <source>Family planning</source>
        <translation>计划生育</translation>
    </message>
    <message>
        <source>Inpatient surgery</source>
        <translation>住院手术</translation>
    </message>
    <message>
        <source>Outpatient surgery</source>
        <translation>门诊手术</translation>
    </message>
    <message>
        <source>Other treatment</source>
        <translation>其他治疗</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>其他</translation>
    </message>
</context>
<context>
    <name>VisitDialog</name>
    <message>
        <source>Kind of visit</source>
        <translation>就诊类型</translation>
    </message>
    <message>
        <source>Chief complaint</source>
        <translation>主诉</translation>
    </message>
    <message>
        <source>Findings</source>
        <translation>检查所见</translation>
    </message>
    <message>
        <source>Diagnosis</source>
        <translation>诊断</translation>
    </message>
    <message>
        <source>ICD-10 code (optional)</source>
        <translation>ICD-10 编码（可选）</translation>
    </message>
    <message>
        <source>Plan</source>
        <translation>处理</translation>
    </message>
    <message>
        <source>Reason for the correction</source>
        <translation>更正原因</translation>
    </message>
    <message>
        <source>Correct a visit</source>
        <translation>更正就诊记录</translation>
    </message>
    <message>
        <source>The visit as written is kept; the correction is added with your name and the time.</source>
        <translation>原就诊记录会保留；更正内容将连同您的姓名和时间一并添加。</translation>
    </message>
    <message>
        <source>New visit</source>
        <translation>新建就诊记录</translation>
    </message>
    <message>
        <source>Vital signs (optional)</source>
        <translation>生命体征（可选）</translation>
    </message>
    <message>
        <source>Unusual readings</source>
        <translation>测量值异常</translation>
    </message>
    <message>
        <source>Record them anyway?</source>
        <translation>仍要记录吗？</translation>
    </message>
</context>
<context>
    <name>VisitsTab</name>
    <message>
        <source>New visit…</source>
        <translation>新建就诊记录…</translation>
    </message>
    <message>
        <source>Correct…</source>
        <translation>更正…</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>医生</translation>
    </message>
    <message>
        <source>Kind of visit</source>
        <translation>就诊类型</translation>
    </message>
    <message>
        <source>Diagnosis</source>
        <translation>诊断</translation>
    </message>
    <message>
        <source>ICD-10</source>
        <translation>ICD-10</translation>
    </message>
    <message>
        <source> (corrected)</source>
        <translation>（已更正）</translation>
    </message>
    <message>
        <source>No visits recorded yet.</source>
        <translation>暂无就诊记录。</translation>
    </message>
    <message>
        <source>Chief complaint</source>
        <translation>主诉</translation>
    </message>
    <message>
        <source>Findings</source>
        <translation>检查所见</translation>
    </message>
    <message>
        <source>Plan</source>
        <translation>处理</translation>
    </message>
    <message>
        <source>Vital signs</source>
        <translation>生命体征</translation>
    </message>
    <message>
        <source>Earlier version written {when} by {who}: {diagnosis}</source>
        <translation>原记录（{who} 于 {when} 填写）：{diagnosis}</translation>
    </message>
    <message>
        <source>Corrected {when} by {who}. Reason: {reason}</source>
        <translation>{who} 于 {when} 更正。原因：{reason}</translation>
    </message>
    <message>
        <source>Choose a visit in the list first.</source>
        <translation>请先在列表中选择一条就诊记录。</translation>
    </message>
</context>
<context>
    <name>Vitals</name>
    <message>
        <source>Blood pressure, upper (systolic)</source>
        <translation>收缩压（高压）</translation>
    </message>
    <message>
        <source>Blood pressure, lower (diastolic)</source>
        <translation>舒张压（低压）</translation>
    </message>
    <message>
        <source>Pulse</source>
        <translation>脉搏</translation>
    </message>
    <message>
        <source>Temperature</source>
        <translation>体温</translation>
    </message>
    <message>
        <source>Weight</source>
        <translation>体重</translation>
    </message>
    <message>
        <source>Height</source>
        <translation>身高</translation>
    </message>
    <message>
        <source>Oxygen saturation (SpO₂)</source>
        <translation>血氧饱和度（SpO₂）</translation>
    </message>
    <message>
        <source>Breathing rate</source>
        <translation>呼吸频率</translation>
    </message>
    <message>
        <source>Blood glucose</source>
        <translation>血糖</translation>
    </message>
</context>
<context>
    <name>VitalsBox</name>
    <message>
        <source>Blood pressure</source>
        <translation>血压</translation>
    </message>
    <message>
        <source>Pulse /min</source>
        <translation>脉搏 次/分</translation>
    </message>
    <message>
        <source>Temperature °C</source>
        <translation>体温 °C</translation>
    </message>
    <message>
        <source>Weight kg</source>
        <translation>体重 kg</translation>
    </message>
    <message>
        <source>Height cm</source>
        <translation>身高 cm</translation>
    </message>
    <message>
        <source>SpO₂ %</source>
        <translation>血氧 %</translation>
    </message>
</context>
<context>
    <name>VitalsDialog</name>
    <message>
        <source>Record vital signs</source>
        <translation>记录生命体征</translation>
    </message>
    <message>
        <source>Unusual readings</source>
        <translation>测量值异常</translation>
    </message>
    <message>
        <source>Record them anyway?</source>
        <translation>仍要记录吗？</translation>
    </message>
</context>
<context>
    <name>VitalsLine</name>
    <message>
        <source>No vital signs recorded yet.</source>
        <translation>暂无生命体征记录。</translation>
    </message>
    <message>
        <source>BP {s}/{d} mmHg</source>
        <translation>血压 {s}/{d} mmHg</translation>
    </message>
    <message>
        <source>pulse {n}/min</source>
        <translation>脉搏 {n} 次/分</translation>
    </message>
    <message>
        <source>Latest vital signs ({when}): {values}</source>
        <translation>最近生命体征（{when}）：{values}</translation>
    </message>
</context>
<context>
    <name>WaitAlertDialog</name>
    <message>
        <source>Waiting too long</source>
        <translation>候诊超时</translation>
    </message>
    <message>
        <source>⚠ No. {no} has waited {minutes} min</source>
        <translation>⚠ {no} 号已候诊 {minutes} 分钟</translation>
    </message>
    <message>
        <source>Go to the patient and explain the reason for the wait. You may offer a drink or priority for an examination. Tick what you did; it is recorded.</source>
        <translation>请到患者身边说明候诊原因，可为其提供饮水或优先安排检查。请勾选您已做的事项，系统会记录在案。</translation>
    </message>
    <message>
        <source>Note (optional; needed for “Other”)</source>
        <translation>备注（选填；选择“其他”时必填）</translation>
    </message>
    <message>
        <source>Tick at least one thing you did for the patient.</source>
        <translation>请至少勾选一项您为患者做的事。</translation>
    </message>
</context>
<context>
    <name>WaitingRoomDisplay</name>
    <message>
        <source>Waiting room</source>
        <translation>候诊室</translation>
    </message>
    <message>
        <source>Now calling</source>
        <translation>正在叫号</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>候诊中</translation>
    </message>
    <message>
        <source>Please wait to be called</source>
        <translation>请耐心等候叫号</translation>
    </message>
    <message>
        <source>Please have your queue number ready. Thank you for waiting.</source>
        <translation>请准备好您的排队号。感谢您的耐心等候。</translation>
    </message>
    <message numerus="yes">
        <source>and %n more waiting</source>
        <translation>
            <numerusform>另有 %n 人候诊</numerusform>
        </translation>
    </message>
    <message>
        <source>Nobody is waiting</source>
        <translation>目前无人候诊</translation>
    </message>
</context>
<context>
    <name>WaitlistAddDialog</name>
    <message>
        <source>Add to the waitlist</source>
        <translation>加入候补名单</translation>
    </message>
    <message>
        <source>The patient wants an earlier time. When a slot frees up (a cancellation, a doctor&apos;s absence) they are offered it, priority first, then who waited longest.</source>
        <translation>患者希望约到更早的时间。有时段空出时（如有人取消预约、医生停诊），先按优先级、再按等候时间长短依次提供给候补患者。</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>患者</translation>
    </message>
    <message>
        <source>Name, pinyin initials, phone digits or record number</source>
        <translation>姓名、拼音首字母、电话号码或病历号</translation>
    </message>
    <message>
        <source>Move earlier</source>
        <translation>要提前的预约</translation>
    </message>
    <message>
        <source>(no appointment: any free time)</source>
        <translation>（无现有预约：任何空闲时段均可）</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>医生</translation>
    </message>
    <message>
        <source>Any doctor</source>
        <translation>不限医生</translation>
    </message>
    <message>
        <source>Days</source>
        <translation>日期范围</translation>
    </message>
    <message>
        <source>From</source>
        <translation>从</translation>
    </message>
    <message>
        <source>Until</source>
        <translation>到</translation>
    </message>
    <message>
        <source>Preferred times</source>
        <translation>希望时段</translation>
    </message>
    <message>
        <source>e.g. mornings, or after 15:00 on weekdays</source>
        <translation>例如 上午，或工作日 15:00 以后</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>优先级</translation>
    </message>
    <message>
        <source>Higher is offered first. Members with priority booking get at least {n} (A10).</source>
        <translation>数值越大越优先。享有优先预约权益的会员至少为 {n}（A10）。</translation>
    </message>
    <message>
        <source>Choose the patient first: search and pick one.</source>
        <translation>请先选择患者：搜索后选中一位。</translation>
    </message>
</context>
<context>
    <name>WaitlistPanel</name>
    <message>
        <source>member</source>
        <translation>会员</translation>
    </message>
    <message>
        <source>Waitlist (ASAP list)</source>
        <translation>候补名单（希望提前就诊）</translation>
    </message>
    <message>
        <source>Patients who want an earlier time. When a slot frees up, offer it to the first who fits: priority patients (members) first, then who waited longest.</source>
        <translation>希望约到更早时间的患者。有时段空出时，请提供给第一位符合条件的患者：优先级高的患者（会员）优先，其次是等候最久的患者。</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>医生</translation>
    </message>
    <message>
        <source>All doctors</source>
        <translation>全部医生</translation>
    </message>
    <message>
        <source>Add patient…</source>
        <translation>添加患者…</translation>
    </message>
    <message>
        <source>Remove…</source>
        <translation>移除…</translation>
    </message>
    <message>
        <source>Patient declined</source>
        <translation>患者婉拒</translation>
    </message>
    <message>
        <source>The patient said no to the slot offered; they keep waiting</source>
        <translation>患者不接受所提供的时段，继续候补</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>患者</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Days</source>
        <translation>日期范围</translation>
    </message>
    <message>
        <source>Preferred times</source>
        <translation>希望时段</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>优先级</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Holds</source>
        <translation>现有预约</translation>
    </message>
    <message>
        <source>Waiting since</source>
        <translation>加入候补时间</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Your role does not include appointments, so the waitlist is not shown.</source>
        <translation>您的角色不含预约权限，因此不显示候补名单。</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>候补中</translation>
    </message>
    <message>
        <source>Offered</source>
        <translation>已通知</translation>
    </message>
    <message>
        <source>Booked</source>
        <translation>已预约</translation>
    </message>
    <message>
        <source>Removed</source>
        <translation>已移除</translation>
    </message>
    <message>
        <source>from {day}</source>
        <translation>{day} 起</translation>
    </message>
    <message>
        <source>until {day}</source>
        <translation>至 {day}</translation>
    </message>
    <message>
        <source>any day</source>
        <translation>不限日期</translation>
    </message>
    <message>
        <source>Any doctor</source>
        <translation>不限医生</translation>
    </message>
    <message>
        <source>Nobody is waiting for an earlier time.</source>
        <translation>目前没有患者在候补。</translation>
    </message>
    <message>
        <source>Take off the waitlist</source>
        <translation>移出候补名单</translation>
    </message>
    <message>
        <source>Why is {patient} taken off the list? (e.g. not needed any more)</source>
        <translation>为什么将{patient}移出名单？（例如：已不需要）</translation>
    </message>
</context>
<context>
    <name>WalkInDialog</name>
    <message>
        <source>Walk-in</source>
        <translation>现场挂号</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>患者</translation>
    </message>
    <message>
        <source>Name, pinyin initials, phone digits or record number</source>
        <translation>姓名、拼音首字母、电话号码或病历号</translation>
    </message>
    <message>
        <source>New patient…</source>
        <translation>登记新患者…</translation>
    </message>
    <message>
        <source>Complaint</source>
        <translation>主诉</translation>
    </message>
    <message>
        <source>(choose the complaint)</source>
        <translation>（请选择主诉）</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>医生</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>科室</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>候诊人数</translation>
    </message>
    <message>
        <source>Free now</source>
        <translation>当前空闲</translation>
    </message>
    <message>
        <source>Suggested from the complaint and who is free; the best is chosen. “Any doctor”: the first free doctor calls the patient.</source>
        <translation>根据主诉和医生空闲情况推荐，已自动选中最合适的一位。“不限医生”：由最先空闲的医生叫号。</translation>
    </message>
    <message>
        <source>Identity checked (real-name): the ID matches the patient</source>
        <translation>已核对身份（实名制）：证件与患者本人相符</translation>
    </message>
    <message>
        <source>Arrived at</source>
        <translation>到达时间</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Queue</source>
        <translation>挂号</translation>
    </message>
    <message>
        <source>No patient chosen yet: search, or register a new one.</source>
        <translation>尚未选择患者：请搜索，或登记新患者。</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <source>Busy</source>
        <translation>忙碌</translation>
    </message>
    <message>
        <source>Any doctor</source>
        <translation>不限医生</translation>
    </message>
    <message>
        <source>Choose the patient first: search, or register a new patient.</source>
        <translation>请先选择患者：搜索，或登记新患者。</translation>
    </message>
    <message>
        <source>Check the patient&apos;s identity first (real-name), then tick the box.</source>
        <translation>请先核对患者身份（实名制），再勾选此项。</translation>
    </message>
    <message>
        <source>Queued. Please take a seat; {doctor} will call number {no}.</source>
        <translation>挂号成功。请就座候诊，{doctor}会叫 {no} 号。</translation>
    </message>
    <message>
        <source>Queued. Please take a seat; the doctor will call number {no}.</source>
        <translation>挂号成功。请就座候诊，医生会叫 {no} 号。</translation>
    </message>
    <message>
        <source>No. {no}</source>
        <translation>{no} 号</translation>
    </message>
    <message>
        <source>Already in today&apos;s queue: number {no}.</source>
        <translation>已在今天的候诊队列中：{no} 号。</translation>
    </message>
</context>
<context>
    <name>WeekEditor</name>
    <message>
        <source>Day</source>
        <translation>星期</translation>
    </message>
    <message>
        <source>Working hours</source>
        <translation>出诊时间</translation>
    </message>
    <message>
        <source>Breaks</source>
        <translation>休息时间</translation>
    </message>
    <message>
        <source>Bookable</source>
        <translation>可预约时长</translation>
    </message>
    <message>
        <source>e.g. 08:00-12:00, 13:30-17:30</source>
        <translation>例如 08:00-12:00、13:30-17:30</translation>
    </message>
    <message>
        <source>e.g. 10:00-10:15</source>
        <translation>例如 10:00-10:15</translation>
    </message>
    <message>
        <source>{day}: “{text}” is not a span of time. Write the start and end joined by a dash, such as 08:00-12:00, and separate spans with commas.</source>
        <translation>{day}：“{text}”不是有效的时间段。请用短横线连接开始和结束时间，例如 08:00-12:00；多个时间段用逗号分隔。</translation>
    </message>
    <message>
        <source>{day}: {problem}</source>
        <translation>{day}有误：{problem}</translation>
    </message>
</context>
<context>
    <name>Weekdays</name>
    <message>
        <source>Monday</source>
        <translation>周一</translation>
    </message>
    <message>
        <source>Tuesday</source>
        <translation>周二</translation>
    </message>
    <message>
        <source>Wednesday</source>
        <translation>周三</translation>
    </message>
    <message>
        <source>Thursday</source>
        <translation>周四</translation>
    </message>
    <message>
        <source>Friday</source>
        <translation>周五</translation>
    </message>
    <message>
        <source>Saturday</source>
        <translation>周六</translation>
    </message>
    <message>
        <source>Sunday</source>
        <translation>周日</translation>
    </message>
</context>
<context>
    <name>WelcomePage</name>
    <message>
        <source>Welcome to ClinicDesk</source>
        <translation>欢迎使用 ClinicDesk</translation>
    </message>
    <message>
        <source>This computer</source>
        <translation>这台电脑</translation>
    </message>
    <message>
        <source>Set up a new clinic</source>
        <translation>设置新诊所</translation>
    </message>
    <message>
        <source>Join a clinic that already syncs</source>
        <translation>加入已启用同步的诊所</translation>
    </message>
    <message>
        <source>For another computer of a clinic whose first workstation already syncs: you need the hub address and a pairing code from that workstation (Settings → Sync → Add a workstation), and the director&apos;s user name and password.</source>
        <translation>适用于诊所的其他电脑（诊所的第一台工作站已启用同步）：您需要同步服务器地址、从该工作站获取的配对码（“设置 → 同步 → 添加工作站”），以及院长的用户名和密码。</translation>
    </message>
    <message>
        <source>This assistant sets up ClinicDesk for your clinic on this computer. It takes about five minutes. You will need the clinic&apos;s name and address, a user name and password for the director, and a clinic passphrase. At the end you print the clinic&apos;s recovery kit, so have a printer ready or save it as a PDF.</source>
        <translation>本向导将在这台电脑上为您的诊所设置 ClinicDesk，大约需要五分钟。您需要准备：诊所名称和地址、院长的用户名和密码，以及诊所口令。最后需要打印诊所的恢复密钥单，请准备好打印机，或将其另存为 PDF。</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>The translation files are missing, so the texts stay in English. Reinstall ClinicDesk to fix this.</source>
        <translation>缺少翻译文件，因此界面文字仍显示为英文。请重新安装 ClinicDesk 以解决此问题。</translation>
    </message>
</context>
<context>
    <name>WorklistPanel</name>
    <message>
        <source>&amp;Day</source>
        <translation>日期(&amp;D)</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今天</translation>
    </message>
    <message>
        <source>Back to today&apos;s list (Ctrl+T)</source>
        <translation>返回今日回访清单（Ctrl+T）</translation>
    </message>
    <message>
        <source>&amp;Calls for</source>
        <translation>回访人(&amp;C)</translation>
    </message>
    <message>
        <source>Mine</source>
        <translation>我的</translation>
    </message>
    <message>
        <source>My role</source>
        <translation>我的角色</translation>
    </message>
    <message>
        <source>Everyone</source>
        <translation>所有人</translation>
    </message>
    <message>
        <source>&amp;Kind</source>
        <translation>类别(&amp;K)</translation>
    </message>
    <message>
        <source>Also calls to try again later</source>
        <translation>包括稍后重拨的回访</translation>
    </message>
    <message>
        <source>Show the calls that were not answered and wait for their next try</source>
        <translation>显示无人接听、等待下次重拨的回访</translation>
    </message>
    <message>
        <source>Call…</source>
        <translation>回访…</translation>
    </message>
    <message>
        <source>Open the call for the selected patient (Enter)</source>
        <translation>为所选患者打开回访（Enter）</translation>
    </message>
    <message>
        <source>Add a follow-up…</source>
        <translation>添加回访…</translation>
    </message>
    <message>
        <source>A call or message for a patient, by hand (Ctrl+N)</source>
        <translation>手动为患者添加电话或消息（Ctrl+N）</translation>
    </message>
    <message>
        <source>Reassign…</source>
        <translation>转派…</translation>
    </message>
    <message>
        <source>Close…</source>
        <translation>结束…</translation>
    </message>
    <message>
        <source>End the task without a call, with the reason</source>
        <translation>不回访直接结束任务，并填写原因</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>截止日期</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>患者</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>What</source>
        <translation>内容</translation>
    </message>
    <message>
        <source>Channel</source>
        <translation>渠道</translation>
    </message>
    <message>
        <source>Caller</source>
        <translation>回访人</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>尝试次数</translation>
    </message>
    <message>
        <source>All kinds ({n})</source>
        <translation>全部类别（{n}）</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <source>Nothing to call on {day}.</source>
        <translation>{day} 没有需要回访的患者。</translation>
    </message>
    <message numerus="yes">
        <source>%n call(s) or message(s) on {day}</source>
        <translation>
            <numerusform>{day} 共 %n 条回访或消息</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n overdue</source>
        <translation>
            <numerusform>%n 条已逾期</numerusform>
        </translation>
    </message>
    <message>
        <source>{n} shown</source>
        <translation>显示 {n} 条</translation>
    </message>
</context>
</TS>
